import { UsageError } from '@par/errors';
import type { CommandModule } from 'yargs';
import { repeated } from '../flags/repeated.js';
import { CliError } from '../errors.js';
import { checkAccountKeys } from '../account-keys.js';
import { redactSecrets } from '../safe-text.js';
import { interruption } from '../interruption.js';
import { printResult, type GlobalOptions } from '../render/output.js';
import { checkWritableFile, writeOutputFile } from '../output-files.js';
import {
  createRegistryClient,
  registryDefaults,
  registryFlags,
  transferCredentialFlags,
  transferHosts,
  type RegistryFlags,
  type TransferCredentialFlags,
} from '../flags/registry-options.js';
import { readPlan, type PromotionPlan } from '../promotion/plan.js';
import { applicationSources, parseDestination, promoteApplication, type ApplicationReport } from '../promotion/application.js';
import { renderPromotionTable } from '../render/promotion-table.js';
import { renderApplicationTable } from '../render/application-table.js';
import type { PromotionOutcome } from '@par/registry';
import { referrerFlags, referrerSelection, type ReferrerFlags } from '../referrer-options.js';

interface PromoteArgs extends GlobalOptions, RegistryFlags, TransferCredentialFlags, ReferrerFlags {
  source?: string;
  destination?: string;
  plan?: string;
  wadm?: string;
  to?: string;
  write?: string;
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
  describe: 'Verify a par or component at the source against a policy, then copy it (one pair, every entry of --plan, or a whole wadm application)',
  builder: (yargs) =>
    yargs
      .positional('source', { type: 'string', describe: 'registry/repository:tag|@digest, or oci:PATH[:TAG]' })
      .positional('destination', { type: 'string', describe: 'registry/repository:tag, or oci:PATH[:TAG]' })
      .option('plan', { type: 'string', describe: 'A YAML or JSON plan of promotions' })
      .option('wadm', { type: 'string', describe: 'A wadm application manifest: promote every image it names, all or nothing' })
      .option('to', { type: 'string', describe: 'With --wadm: destination prefix registry[/path], or oci:DIR for an air-gap bundle' })
      .option('write', { type: 'string', describe: 'With --wadm: write the manifest with every image pinned by digest at the destination here' })
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
        if (argv.wadm !== undefined) {
          if (argv.to === undefined) throw new UsageError('--wadm needs --to DEST_PREFIX (registry[/path] or oci:DIR)');
          if (argv.plan !== undefined || argv.source !== undefined) throw new UsageError('--wadm excludes --plan and SOURCE/DESTINATION');
          if (argv.tag !== undefined) throw new UsageError('--tag does not apply to --wadm (every image keeps its own tag)');
        } else if (argv.to !== undefined || argv.write !== undefined) {
          throw new UsageError('--to and --write go with --wadm');
        } else {
          if (argv.plan === undefined && (argv.source === undefined || argv.destination === undefined)) throw new UsageError('give SOURCE and DESTINATION, --plan FILE, or --wadm FILE --to PREFIX');
          if (argv.plan !== undefined && argv.source !== undefined) throw new UsageError('--plan and SOURCE/DESTINATION exclude each other');
          if (argv.plan !== undefined && (argv['referrers-type'] !== undefined || argv['require-referrer'] !== undefined || argv.referrers === false)) {
            throw new UsageError('with --plan, set referrers and requireReferrer in the plan (defaults or per entry)');
          }
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
    const plan = argv.plan !== undefined ? await readPlan(argv.plan) : argv.wadm !== undefined ? applicationPromotion(argv) : singlePromotion(argv);
    if (argv.concurrency !== undefined) plan.concurrency = argv.concurrency;
    for (const [i, entry] of plan.promotions.entries()) {
      await checkAccountKeys(entry.policy.requireIssuer, argv.plan === undefined ? '--require-issuer' : `plan ${argv.plan}, promotion ${i + 1}, requireIssuer`);
    }
    for (const application of plan.applications) await checkAccountKeys(application.policy.requireIssuer, '--require-issuer');
    const registry = await import('@par/registry');
    const sources = plan.promotions.map((p) => p.from);
    for (const application of plan.applications) sources.push(...(await applicationSources(application.wadm)));
    // A prefix names a registry (and path) for images still to be named: checked here, then stood for by one image.
    const prefixes = plan.applications.map((a) => parseDestination(a.to, registry).prefix ?? a.to).map((to) => (to.startsWith('oci:') ? to : `${to}/image`));
    const hosts = await transferHosts(sources, [...plan.promotions.map((p) => p.to), ...prefixes], argv);
    const client = await createRegistryClient(argv, hosts);
    const dryRun = argv['dry-run'];
    const options = { client, ...registryDefaults(argv), dryRun, signal: interruption };
    let outcomes: PromotionOutcome[] = [];
    const applications: ApplicationReport[] = [];
    try {
      outcomes = await registry.mapWithConcurrency(plan.promotions, plan.concurrency, (entry) => registry.promoteArtifact(entry, options));
      // Applications one after another: each is all or nothing, and its images already run concurrently.
      for (const application of plan.applications) applications.push(await promoteApplication(application, { ...options, concurrency: plan.concurrency }));
    } finally {
      await client.close();
    }
    const images = applications.flatMap((a) => a.images);
    const failed = [...outcomes, ...images].filter((o) => o.action === 'refused' || o.action === 'failed');
    const report = argv.wadm !== undefined ? applications[0] : { dryRun, promotions: outcomes, ...(applications.length > 0 ? { applications } : {}) };
    // The report file is output too: no credential a registry quoted back in an error.
    if (argv.report !== undefined) await writeOutputFile(argv.report, '--report', `${redactSecrets(JSON.stringify(report, null, 2))}\n`);
    printResult(argv.output, report, () =>
      [...(argv.wadm === undefined && (outcomes.length > 0 || applications.length === 0) ? [renderPromotionTable(outcomes, dryRun)] : []), ...applications.map(renderApplicationTable)].join('\n\n'),
    );
    if (failed.length > 0) {
      // The worst failure decides the status: a policy refusal is a verification failure (4).
      const first = failed.find((o) => o.action === 'refused') ?? failed[0]!;
      const copiedAny = images.some((o) => o.action === 'promoted');
      const what = argv.wadm === undefined ? 'promotion(s) did not complete' : `image(s) of ${argv.wadm} did not pass; ${copiedAny ? 'not every image was copied' : 'nothing was copied'} and no manifest was written`;
      throw new CliError(`${failed.length} of ${outcomes.length + images.length} ${what}; first: ${first.from} → ${first.to}: ${first.reasons?.join('; ') ?? first.error}`, first.kind ?? 'failure');
    }
  },
};

function policyFlags(argv: PromoteArgs): PromotionPlan['promotions'][number]['policy'] {
  return {
    strict: argv.strict,
    requireIssuer: argv['require-issuer'] ?? [],
    requireTarget: argv['require-target'] ?? [],
    requireReferrer: argv['require-referrer'] ?? [],
  };
}

function applicationPromotion(argv: PromoteArgs): PromotionPlan {
  return {
    concurrency: argv.concurrency ?? 4,
    promotions: [],
    applications: [{ wadm: argv.wadm as string, to: argv.to as string, ...(argv.write !== undefined ? { write: argv.write } : {}), policy: policyFlags(argv) }],
  };
}

function singlePromotion(argv: PromoteArgs): PromotionPlan {
  return {
    applications: [],
    concurrency: 1,
    promotions: [
      {
        from: argv.source as string,
        to: argv.destination as string,
        tags: argv.tag ?? [],
        policy: policyFlags(argv),
        referrers: referrerSelection(argv),
      },
    ],
  };
}
