import { describe, expect, test } from 'vitest';
import { readWadmManifest, rewriteImages } from './wadm-manifest.js';

const MANIFEST = `# shop: two components, two providers
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: shop
  annotations:
    version: v1.2.0 # not latest
spec:
  components:
    - name: storefront
      type: component
      properties:
        image: reg.example.com/acme/storefront:1.2.0   # front end
        id: shop_storefront
      traits:
        - type: spreadscaler
          properties: { instances: 2 }
    - name: counter
      type: actor
      properties: { image: "oci://reg.example.com/acme/counter:0.3.1", id: c }

    - name: http
      type: capability
      properties:
        image: 'reg.example.com/acme/http-server:0.24.0'
    - name: builtin
      type: capability
      properties:
        image: wasmcloud+builtin://http-server
    - name: local
      type: component
      properties:
        image: file://./build/local.wasm
    - name: shared
      type: component
      properties:
        application: { name: other, component: x }
    - name: policy-like
      type: something-else
      properties:
        image: not/an/image:1
`;

describe('readWadmManifest', () => {
  test('finds the image of every component, actor and capability, with its scheme and line', async () => {
    const { images } = await readWadmManifest(MANIFEST, 'app.yaml');
    expect(images.map(({ component, type, scheme, reference, line, quoting }) => ({ component, type, scheme, reference, line, quoting }))).toEqual([
      { component: 'storefront', type: 'component', scheme: 'oci', reference: 'reg.example.com/acme/storefront:1.2.0', line: 13, quoting: 'plain' },
      { component: 'counter', type: 'actor', scheme: 'oci', reference: 'reg.example.com/acme/counter:0.3.1', line: 20, quoting: 'double' },
      { component: 'http', type: 'capability', scheme: 'oci', reference: 'reg.example.com/acme/http-server:0.24.0', line: 25, quoting: 'single' },
      { component: 'builtin', type: 'capability', scheme: 'builtin', reference: 'wasmcloud+builtin://http-server', line: 29, quoting: 'plain' },
      { component: 'local', type: 'component', scheme: 'file', reference: 'file://./build/local.wasm', line: 33, quoting: 'plain' },
    ]);
    expect(images.every((image) => image.application === 'shop')).toBe(true);
  });

  test('refuses what is not a wadm application, naming the file and line', async () => {
    await expect(readWadmManifest('kind: Deployment\n', 'd.yaml')).rejects.toThrow('d.yaml:1: not a wadm application manifest (expected a mapping with kind: Application)');
    await expect(readWadmManifest('kind: Application\nspec:\n  components: {}\n', 'a.yaml')).rejects.toThrow('a.yaml:1: spec.components must be a list');
    await expect(readWadmManifest('kind: Application\nspec: [\n', 'b.yaml')).rejects.toThrow(/^b\.yaml:\d+: not valid YAML/);
    await expect(readWadmManifest('', 'e.yaml')).rejects.toThrow(/holds no YAML document|not a wadm application/);
  });

  test('refuses an image written as an alias or a block scalar (it could not be rewritten in place)', async () => {
    const alias = 'kind: Application\nx: &img reg/a:1\nspec:\n  components:\n    - name: a\n      type: component\n      properties:\n        image: *img\n';
    await expect(readWadmManifest(alias, 'a.yaml')).rejects.toThrow('the image of component "a" is a YAML alias');
    const block = 'kind: Application\nspec:\n  components:\n    - name: a\n      type: component\n      properties:\n        image: >\n          reg/a:1\n';
    await expect(readWadmManifest(block, 'b.yaml')).rejects.toThrow('b.yaml:7: the image of component "a" is a block scalar');
  });
});

describe('rewriteImages', () => {
  test('replaces only the image values, in their own quoting; comments, order, blank lines and flow maps stay', async () => {
    const manifest = await readWadmManifest(MANIFEST, 'app.yaml');
    const [storefront, counter, http] = manifest.images;
    const pin = (name: string) => `mirror.example/acme/${name}@sha256:${'a'.repeat(64)}`;
    const rewritten = rewriteImages(manifest, new Map([[storefront!, pin('storefront:1.2.0')], [counter!, pin('counter:0.3.1')], [http!, pin("http-server:0.24.0")]]));
    const expected = MANIFEST.replace('image: reg.example.com/acme/storefront:1.2.0   # front end', `image: ${pin('storefront:1.2.0')}   # front end`)
      .replace('image: "oci://reg.example.com/acme/counter:0.3.1"', `image: "${pin('counter:0.3.1')}"`)
      .replace("image: 'reg.example.com/acme/http-server:0.24.0'", `image: '${pin('http-server:0.24.0')}'`);
    expect(rewritten).toBe(expected);
    // The result reads back with the new values.
    const again = await readWadmManifest(rewritten, 'out.yaml');
    expect(again.images.slice(0, 3).map((i) => i.reference)).toEqual([pin('storefront:1.2.0'), pin('counter:0.3.1'), pin('http-server:0.24.0')]);
  });
});
