// Promote an artifact only if it passes a policy at the source (verified archive, required targets):
//   node examples/promote.mjs SOURCE DESTINATION TARGET...
// Prints the outcome; a refusal copies nothing and exits 4.
import { promoteArtifact, RegistryClient } from '@par/registry';

const [from, to, ...requireTarget] = process.argv.slice(2);
if (from === undefined || to === undefined) {
  console.error('usage: node examples/promote.mjs SOURCE DESTINATION [REQUIRED-TARGET...]');
  process.exit(1);
}
const client = new RegistryClient();
try {
  const outcome = await promoteArtifact({ from, to, tags: [], policy: { strict: false, requireIssuer: [], requireTarget } }, { client });
  console.log(JSON.stringify({ action: outcome.action, digest: outcome.sourceDigest, reasons: outcome.reasons ?? [] }));
  if (outcome.action === 'refused') process.exitCode = 4;
  else if (outcome.action === 'failed') process.exitCode = 1;
} finally {
  await client.close();
}
