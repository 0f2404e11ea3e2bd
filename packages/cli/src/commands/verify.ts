import type { CommandModule } from 'yargs';
import { repeated } from '../flags/repeated.js';
import { CliError } from '../errors.js';
import { printResult, type GlobalOptions } from '../render/output.js';
import { checkAccountKeys } from '../account-keys.js';
import { openArchive } from '../open-archive.js';
import { registryFlags, type RegistryFlags } from '../flags/registry-options.js';

interface VerifyArgs extends GlobalOptions, RegistryFlags {
  archive: string;
  strict: boolean;
  issuer?: string[];
}

export const verifyCommand: CommandModule<GlobalOptions, VerifyArgs> = {
  command: 'verify <archive>',
  describe: 'Check hashes (as wash does) and, with --strict, the signature, keys and validity period; for a Wasm component, its digests and that it is one',
  builder: (yargs) =>
    yargs
      .positional('archive', { type: 'string', demandOption: true, describe: 'A .par/.par.gz or .wasm file, or a registry reference' })
      .option('strict', { type: 'boolean', default: false, describe: 'Also check header, Ed25519 signature, key types, exp/nbf' })
      .option('issuer', { type: 'string', coerce: repeated, describe: 'Accept only archives signed by these account keys (repeatable)' })
      .options(registryFlags),
  handler: async (argv) => {
    const archive = await import('@par/archive');
    await checkAccountKeys(argv.issuer ?? [], '--issuer');
    const opened = await openArchive(argv.archive, argv);
    if (opened.type === 'component') {
      const valid = opened.problems.length === 0;
      printResult(
        argv.output,
        {
          archive: argv.archive, ...(opened.digest ? { digest: opened.digest } : {}), valid, level: 'component', kind: opened.wasm?.kind ?? 'unreadable',
          ...(opened.layer ? { layer: opened.layer } : {}), problems: opened.problems.map((message) => ({ code: 'component', message })),
        },
        () => (valid ? `${argv.archive}: valid (Wasm ${opened.wasm?.kind ?? ''}${opened.digest ? ', digests' : ''})` : ''),
      );
      if (!valid) throw new CliError(`${argv.archive} failed verification: ${opened.problems.join('; ')}`, 'verification');
      return;
    }
    const { contents, digest } = opened;
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
