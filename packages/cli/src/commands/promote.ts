import { UsageError } from '@par/errors';
import type { CommandModule } from 'yargs';
import { repeated } from '../repeated.js';
import { CliError } from '../errors.js';
import { checkAccountKeys } from '../account-keys.js';
import { redactSecrets } from '../safe-text.js';
import { interruption } from '../interruption.js';
import { printResult, type GlobalOptions } from '../output.js';
import { checkWritableFile, writeOutputFile } from '../output-files.js';
import {
  createRegistryClient,
  registryDefaults,
  registryFlags,
  transferCredentialFlags,
  transferHosts,
  type RegistryFlags,
  type TransferCredentialFlags,
} from '../registry-options.js';
import { readPlan, type PromotionPlan } from '../promotion/plan.js';
import { renderPromotionTable } from '../render/promotion-table.js';
import { referrerFlags, referrerSelection, type ReferrerFlags } from '../referrer-options.js';

interface PromoteArgs extends GlobalOptions, RegistryFlags, TransferCredentialFlags, ReferrerFlags {
  source?: string;
  destination?: string;
  plan?: string;
  tag?: string[];
  'require-issuer'?: string[];
  'require-target'?: string[];
  'require-referrer'?: string[];
  strict: boolean;
  'dry-run': boolean;
  concurrency?: number;
  report?: string;
}

export const promoteCommand: CommandModule<GlobalOptions, PromoteArgs> = {
  command: 'promote [source] [destination]',
  describe: 'Verify a par at the source against a policy, then copy it (one pair, or every entry of --plan)',
  builder: (yargs) =>
    yargs
      .positional('source', { type: 'string', describe: 'registry/repository:tag|@digest, or oci:PATH[:TAG]' })
      .positional('destination', { type: 'string', describe: 'registry/repository:tag, or oci:PATH[:TAG]' })
      .option('plan', { type: 'string', describe: 'A YAML or JSON plan of promotions' })
      .option('tag', { alias: 't', type: 'string', coerce: repeated, describe: 'Extra tag at the destination (repeatable)' })
      .option('require-issuer', { type: 'string', coerce: repeated, describe: 'Accept only these issuer account keys (repeatable)' })
      .option('require-target', { type: 'string', coerce: repeated, describe: 'Require these targets, e.g. x86_64-linux (repeatable)' })
      .option('require-referrer', {
        type: 'string',
        coerce: repeated,
        describe: 'Refuse unless the source has a referrer of this artifact type, e.g. application/spdx+json (repeatable)',
      })
      .options(referrerFlags)
      .option('strict', { type: 'boolean', default: false, describe: 'Also verify the signature, key types and validity period' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Check policies and say what would be copied; change nothing' })
      .option('concurrency', { type: 'number', describe: 'Promotions in flight at once (plan default 4)' })
      .option('report', { type: 'string', describe: 'Also write the JSON report to this file (kept by CI while the log shows the table)' })
      .options(transferCredentialFlags)
      .options(registryFlags)
      .check((argv) => {
        if (argv.plan === undefined && (argv.source === undefined || argv.destination === undefined)) throw new UsageError('give SOURCE and DESTINATION, or --plan FILE');
        if (argv.plan !== undefined && argv.source !== undefined) throw new UsageError('--plan and SOURCE/DESTINATION exclude each other');
        if (argv.plan !== undefined && (argv['referrers-type'] !== undefined || argv['require-referrer'] !== undefined || argv.referrers === false)) {
          throw new UsageError('with --plan, set referrers and requireReferrer in the plan (defaults or per entry)');
        }
        const concurrency = argv.concurrency;
        if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32)) {
          throw new UsageError('--concurrency must be an integer from 1 to 32');
        }
        return true;
      }),
  handler: async (argv) => {
    // A report that cannot be written fails the command before anything is copied, not after.
    if (argv.report !== undefined) await checkWritableFile(argv.report, '--report');
    const plan = argv.plan !== undefined ? await readPlan(argv.plan) : singlePromotion(argv);
    if (argv.concurrency !== undefined) plan.concurrency = argv.concurrency;
    for (const [i, entry] of plan.promotions.entries()) {
      await checkAccountKeys(entry.policy.requireIssuer, argv.plan === undefined ? '--require-issuer' : `plan ${argv.plan}, promotion ${i + 1}, requireIssuer`);
    }
    const hosts = await transferHosts(plan.promotions.map((p) => p.from), plan.promotions.map((p) => p.to), argv);
    const client = await createRegistryClient(argv, hosts);
    let outcomes;
    try {
      const registry = await import('@par/registry');
      outcomes = await registry.mapWithConcurrency(plan.promotions, plan.concurrency, (entry) =>
        registry.promoteArtifact(entry, { client, ...registryDefaults(argv), dryRun: argv['dry-run'], signal: interruption }),
      );
    } finally {
      await client.close();
    }
    const failed = outcomes.filter((o) => o.action === 'refused' || o.action === 'failed');
    const report = { dryRun: argv['dry-run'], promotions: outcomes };
    // The report file is output too: no credential a registry quoted back in an error.
    if (argv.report !== undefined) await writeOutputFile(argv.report, '--report', `${redactSecrets(JSON.stringify(report, null, 2))}\n`);
    printResult(argv.output, report, () => renderPromotionTable(outcomes, argv['dry-run']));
    if (failed.length > 0) {
      // The worst failure decides the status: a policy refusal is a verification failure (4).
      const first = failed.find((o) => o.action === 'refused') ?? failed[0]!;
      const error = new CliError(
        `${failed.length} of ${outcomes.length} promotion(s) did not complete; first: ${first.from} → ${first.to}: ${first.reasons?.join('; ') ?? first.error}`,
        first.kind ?? 'failure',
      );
      throw error;
    }
  },
};

function singlePromotion(argv: PromoteArgs): PromotionPlan {
  return {
    concurrency: 1,
    promotions: [
      {
        from: argv.source as string,
        to: argv.destination as string,
        tags: argv.tag ?? [],
        policy: {
          strict: argv.strict,
          requireIssuer: argv['require-issuer'] ?? [],
          requireTarget: argv['require-target'] ?? [],
          requireReferrer: argv['require-referrer'] ?? [],
        },
        referrers: referrerSelection(argv),
      },
    ],
  };
}
