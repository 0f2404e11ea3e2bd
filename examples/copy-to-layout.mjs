// Copy an artifact from a registry into an OCI image layout directory (byte for byte, verified):
//   node examples/copy-to-layout.mjs REGISTRY/REPOSITORY:TAG DIRECTORY
// The same call copies layout → registry, registry → registry and layout → layout.
import { copyArtifact, RegistryClient } from '@par/registry';

const [source, directory] = process.argv.slice(2);
if (source === undefined || directory === undefined) {
  console.error('usage: node examples/copy-to-layout.mjs REGISTRY/REPOSITORY:TAG DIRECTORY');
  process.exit(1);
}
const client = new RegistryClient();
try {
  const copied = await copyArtifact(source, `oci:${directory}`, { client });
  console.log(JSON.stringify({ destination: copied.destination, digest: copied.descriptor.digest, tags: copied.tags, copied: copied.copied }));
} finally {
  await client.close();
}
