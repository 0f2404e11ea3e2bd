import type { CommandModule } from 'yargs';
import { repeated } from '../flags/repeated.js';
import { printResult, type GlobalOptions } from '../render/output.js';
import { createRegistryClient, defaultRegistry, registryFlags, type RegistryFlags } from '../flags/registry-options.js';

interface AttachArgs extends GlobalOptions, RegistryFlags {
  reference: string;
  files?: string[];
  'artifact-type': string;
  annotation?: string[];
}

export const attachCommand: CommandModule<GlobalOptions, AttachArgs> = {
  command: 'attach <reference> [files..]',
  describe: 'Attach files (an SBOM, a signature, an attestation) to an artifact as an OCI 1.1 referrer',
  builder: (yargs) =>
    yargs
      .positional('reference', { type: 'string', demandOption: true, describe: 'registry/repository:tag|@digest of the subject' })
      .positional('files', { type: 'string', array: true, describe: 'FILE or FILE:MEDIATYPE, one layer each (default media type application/octet-stream)' })
      .option('artifact-type', { type: 'string', demandOption: true, describe: 'The artifact type, e.g. application/spdx+json' })
      .option('annotation', { type: 'string', coerce: repeated, describe: 'Manifest annotation key=value (repeatable)' })
      .options(registryFlags),
  handler: async (argv) => {
    const registry = await import('@par/registry');
    const host = defaultRegistry(argv);
    const reference = registry.parseReference(argv.reference, host ? { defaultRegistry: host } : {});
    const files = (argv.files ?? []).map(fileWithMediaType(registry.DEFAULT_ATTACH_MEDIA_TYPE));
    const annotations = registry.parseAnnotations(argv.annotation ?? []);
    const client = await createRegistryClient(argv);
    try {
      const repository = client.repository(reference);
      const result = await registry.attachArtifact(repository, registry.manifestReference(reference), files, {
        artifactType: argv['artifact-type'],
        annotations,
      });
      const subject = `${repository.name}@${result.subject.digest}`;
      const how = result.indexedBy === 'api' ? "the registry's referrers API" : `fallback tag ${registry.referrersTag(result.subject.digest)}`;
      printResult(
        argv.output,
        {
          reference: `${repository.name}@${result.referrer.digest}`,
          digest: result.referrer.digest,
          mediaType: result.referrer.mediaType,
          size: result.referrer.size,
          artifactType: result.referrer.artifactType,
          annotations: result.referrer.annotations ?? {},
          subject: { reference: subject, digest: result.subject.digest, mediaType: result.subject.mediaType, size: result.subject.size },
          indexedBy: result.indexedBy === 'api' ? 'referrers-api' : 'fallback-tag',
        },
        () => `Attached ${result.referrer.artifactType} ${result.referrer.digest}\nto ${subject}\nfound through ${how}`,
      );
    } finally {
      await client.close();
    }
  },
};

/** `FILE:type/subtype` names the layer's media type; a colon not followed by a media type is part of the path. */
function fileWithMediaType(fallback: string): (spec: string) => { path: string; mediaType: string } {
  return (spec) => {
    const colon = spec.lastIndexOf(':');
    const suffix = colon > 0 ? spec.slice(colon + 1) : '';
    return suffix.includes('/') ? { path: spec.slice(0, colon), mediaType: suffix } : { path: spec, mediaType: fallback };
  };
}
