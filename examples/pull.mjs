// Pull a provider archive into a file, which appears only once digest and archive are verified:
//   node examples/pull.mjs REGISTRY/REPOSITORY:TAG FILE
import { parseParReference, pullParFile, RegistryClient } from '@par/registry';

const [source, file] = process.argv.slice(2);
if (source === undefined || file === undefined) {
  console.error('usage: node examples/pull.mjs REGISTRY/REPOSITORY:TAG FILE');
  process.exit(1);
}
const client = new RegistryClient();
try {
  const pulled = await pullParFile({ client, reference: parseParReference(source), file });
  console.log(JSON.stringify({ file: pulled.file, digest: pulled.manifest.digest, size: pulled.layer.size }));
} finally {
  await client.close();
}
