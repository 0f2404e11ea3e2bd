// Push a provider archive, verified before anything is published:
//   node examples/push.mjs FILE REGISTRY/REPOSITORY:TAG
// An archive that fails verification is refused before its manifest is pushed (nothing is tagged).
import { parseParReference, pushParFile, RegistryClient } from '@par/registry';

const [file, target] = process.argv.slice(2);
if (file === undefined || target === undefined) {
  console.error('usage: node examples/push.mjs FILE REGISTRY/REPOSITORY:TAG');
  process.exit(1);
}
const client = new RegistryClient();
try {
  const pushed = await pushParFile({ client, reference: parseParReference(target), file });
  console.log(JSON.stringify({ reference: pushed.reference, digest: pushed.manifest.digest, layer: pushed.layer.digest }));
} catch (error) {
  // Every failure is a ParError with a kind (verification, not_found, unauthorized, …).
  console.error(`error: ${error.message} (${error.kind ?? 'failure'})`);
  process.exitCode = error.kind === 'verification' ? 4 : 1;
} finally {
  await client.close();
}
