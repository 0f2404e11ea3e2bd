import { UsageError } from '@par/errors';
import type { CommandModule } from 'yargs';
import { repeated } from '../flags/repeated.js';
import { printResult, type GlobalOptions } from '../render/output.js';
import { CliError } from '../errors.js';
import { keyFlags, loadSigningKeys, type KeyFlags } from '../keys.js';
import { checkCreateInputs, readSchemaFile, stemOf } from '../files.js';
import { warnAboutUnselectableTargets } from '../host-targets.js';

interface CreateArgs extends GlobalOptions, KeyFlags {
  name: string;
  vendor: string;
  binary: string[];
  arch?: string[];
  version?: string;
  revision?: number;
  schema?: string;
  destination?: string;
  compress: boolean;
  world?: string;
  'capability-contract-id'?: string;
}

export const createCommand: CommandModule<GlobalOptions, CreateArgs> = {
  command: 'create',
  describe: 'Build and sign a provider archive from provider binaries',
  builder: (yargs) =>
    yargs
      .option('name', { alias: 'n', type: 'string', demandOption: true, describe: 'Provider name' })
      .option('vendor', { alias: 'v', type: 'string', demandOption: true, describe: 'Vendor' })
      .option('binary', { alias: 'b', type: 'string', coerce: repeated, demandOption: true, describe: 'Provider binary (repeat with --arch for several targets)' })
      .option('arch', { alias: 'a', type: 'string', coerce: repeated, describe: 'Target of each binary, e.g. x86_64-linux (default: this machine)' })
      .option('version', { type: 'string', describe: "The provider's version string" })
      .option('revision', { alias: 'r', type: 'number', describe: 'Revision number (integer)' })
      .option('schema', { alias: 'j', type: 'string', describe: 'JSON schema file for link configuration' })
      .option('destination', { type: 'string', describe: 'Output file (default <binary stem>.par, .par.gz with --compress)' })
      .option('compress', { type: 'boolean', default: false, describe: 'gzip the archive (level 9)' })
      .option('world', { type: 'string', describe: 'An encoded WIT world (world.wasm) to include' })
      .option('capability-contract-id', { type: 'string', describe: 'Legacy: write a capid claim (hosts before wasmCloud 1.0 need it)' })
      .options(keyFlags)
      .check((argv) => {
        if (argv.revision !== undefined && (!Number.isInteger(argv.revision) || argv.revision < -(2 ** 31) || argv.revision >= 2 ** 31)) {
          throw new UsageError('--revision must be a 32-bit integer');
        }
        if (argv.arch && argv.arch.length !== argv.binary.length) {
          throw new UsageError(`--arch was given ${argv.arch.length} time(s) but --binary ${argv.binary.length} time(s); give one --arch per --binary`);
        }
        if (!argv.arch && argv.binary.length > 1) throw new UsageError('several --binary values need one --arch each');
        if (argv.version === '') throw new UsageError("--version cannot be empty (leave it out for an archive without a version)");
        if (argv.name.trim() === '') throw new UsageError('--name cannot be empty');
        return true;
      }),
  handler: async (argv) => {
    const archive = await import('@par/archive');
    const firstBinary = argv.binary[0];
    if (firstBinary === undefined) throw new CliError('--binary is required');
    const targets = argv.arch ?? [archive.hostTarget()];
    warnAboutUnselectableTargets(targets);
    const binaries = argv.binary.map((path, i) => ({ target: targets[i] as string, path }));
    const destination = argv.destination ?? `${stemOf(firstBinary)}.par${argv.compress ? '.gz' : ''}`;
    // Every input is checked before a key is generated: a typo must not leave new keys behind.
    const schema = argv.schema !== undefined ? await readSchemaFile(argv.schema) : undefined;
    await checkCreateInputs(argv.binary, argv.world, destination);
    const { issuer, subject } = await loadSigningKeys(argv, stemOf(firstBinary));
    const created = await archive.createArchive({
      name: argv.name,
      vendor: argv.vendor,
      ...(argv.version !== undefined ? { version: argv.version } : {}),
      ...(argv.revision !== undefined ? { revision: argv.revision } : {}),
      ...(schema !== undefined ? { schema } : {}),
      ...(argv['capability-contract-id'] !== undefined ? { capabilityContractId: argv['capability-contract-id'] } : {}),
      ...(argv.world !== undefined ? { world: argv.world } : {}),
      binaries,
      issuer: issuer.keyPair,
      subject: subject.keyPair,
      destination,
      compress: argv.compress,
    });
    printResult(
      argv.output,
      { file: created.destination, name: argv.name, issuer: issuer.publicKey, service: subject.publicKey, targets: binaries.map((b) => b.target).sort() },
      () => `Successfully created archive ${created.destination}`,
    );
  },
};
