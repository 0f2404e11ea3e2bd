import type { CommandModule } from 'yargs';
import { repeated } from '../flags/repeated.js';
import { CliError } from '../errors.js';
import { printResult, type GlobalOptions } from '../render/output.js';
import { openArchive } from '../open-archive.js';
import { registryFlags, type RegistryFlags } from '../flags/registry-options.js';

interface VerifyArgs extends GlobalOptions, RegistryFlags {
  archive: string;
  strict: boolean;
  issuer?: string[];
}

export const verifyCommand: CommandModule<GlobalOptions, VerifyArgs> = {
  command: 'verify <archive>',
  describe: 'Check hashes (as wash does) and, with --strict, the signature, keys and validity period',
  builder: (yargs) =>
    yargs
      .positional('archive', { type: 'string', demandOption: true, describe: 'A .par/.par.gz file, or a registry reference' })
      .option('strict', { type: 'boolean', default: false, describe: 'Also check header, Ed25519 signature, key types, exp/nbf' })
      .option('issuer', { type: 'string', coerce: repeated, describe: 'Accept only archives signed by these account keys (repeatable)' })
      .options(registryFlags),
  handler: async (argv) => {
    const archive = await import('@par/archive');
    const { contents, digest } = await openArchive(argv.archive, argv);
    const report = archive.verifyArchive(contents, {
      strict: argv.strict,
      ...(argv.issuer ? { allowedIssuers: argv.issuer } : {}),
    });
    const level = argv.strict ? 'strict' : 'hashes';
    printResult(
      argv.output,
      { archive: argv.archive, ...(digest ? { digest } : {}), valid: report.valid, level, issuer: contents.claims.iss, service: contents.claims.sub, problems: report.problems },
      () => (report.valid ? `${argv.archive}: valid (${level})` : ''),
    );
    if (!report.valid) {
      throw new CliError(`${argv.archive} failed verification: ${report.problems.map((p) => p.message).join('; ')}`, 'verification');
    }
  },
};
