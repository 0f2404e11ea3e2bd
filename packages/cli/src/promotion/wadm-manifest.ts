import { CliError } from '../errors.js';

/**
 * The image references of a wadm application manifest (spec/wadm.md §2): for every entry of
 * `spec.components` with `type: component` (alias `actor`) or `type: capability`, its
 * `properties.image`. Nothing else in the manifest holds an image. Rewriting replaces exactly the
 * characters of each image scalar in the original text, so comments, key order, quoting, flow
 * maps and blank lines stay as they were.
 */

export type ImageScheme = 'oci' | 'file' | 'builtin';

export interface WadmImage {
  /** `metadata.name` of the application. */
  application: string;
  /** `spec.components[i].name`. */
  component: string;
  /** `component` (or `actor`) or `capability`. */
  type: string;
  /** The value as written. */
  image: string;
  scheme: ImageScheme;
  /** For `oci`: the reference without an `oci://`, `http://` or `https://` prefix (the host strips them too). */
  reference: string;
  /** 1-based line of the value, for messages. */
  line: number;
  /** Where the value's characters are in the text (quotes included), and how it is quoted. */
  range: [number, number];
  quoting: 'plain' | 'single' | 'double';
}

export interface WadmManifest {
  text: string;
  images: WadmImage[];
}

const COMPONENT_TYPES = new Set(['component', 'actor', 'capability']);
const OCI_PREFIXES = ['oci://', 'https://', 'http://'];

/** Parses a wadm manifest (one or more YAML documents) and finds its images; `source` names the file in errors. */
export async function readWadmManifest(text: string, source: string): Promise<WadmManifest> {
  const yaml = await import('../esm/yaml.js');
  const lines = new yaml.LineCounter();
  const documents = yaml.parseAllDocuments(text, { lineCounter: lines, keepSourceTokens: false });
  if (!Array.isArray(documents) || documents.length === 0) throw new CliError(`${source}: the file holds no YAML document`);
  const at = (offset: number) => `${source}:${lines.linePos(offset).line}`;
  const images: WadmImage[] = [];
  for (const document of documents) {
    const problem = document.errors[0];
    if (problem !== undefined) throw new CliError(`${at(problem.pos[0])}: not valid YAML: ${problem.message.split('\n')[0]}`);
    const root = document.contents;
    const where = root?.range ? at(root.range[0]) : source;
    if (!yaml.isMap(root) || (root.get('kind') as unknown) !== 'Application') {
      throw new CliError(`${where}: not a wadm application manifest (expected a mapping with kind: Application)`);
    }
    const name = document.getIn(['metadata', 'name']);
    const application = typeof name === 'string' ? name : '';
    const components = document.getIn(['spec', 'components'], true);
    if (!yaml.isSeq(components)) throw new CliError(`${where}: spec.components must be a list`);
    components.items.forEach((item, index) => {
      const itemAt = yaml.isNode(item) && item.range ? at(item.range[0]) : where;
      if (!yaml.isMap(item)) throw new CliError(`${itemAt}: spec.components[${index}] must be a mapping`);
      const type = item.get('type');
      if (typeof type !== 'string' || !COMPONENT_TYPES.has(type)) return;
      const named: unknown = item.get('name');
      const name = typeof named === 'string' ? named : `#${index}`;
      const properties = item.get('properties', true);
      if (!yaml.isMap(properties)) return;
      const node: unknown = properties.get('image', true);
      if (node === undefined) return; // `application:` names a shared app's component; its image lives in that manifest.
      if (yaml.isAlias(node)) throw new CliError(`${itemAt}: the image of component "${name}" is a YAML alias; write the reference itself`);
      if (!yaml.isScalar(node) || typeof node.value !== 'string' || node.range === undefined || node.range === null) {
        throw new CliError(`${itemAt}: the image of component "${name}" must be a string`);
      }
      const quoting = node.type === 'QUOTE_SINGLE' ? 'single' : node.type === 'QUOTE_DOUBLE' ? 'double' : node.type === 'PLAIN' ? 'plain' : undefined;
      if (quoting === undefined) throw new CliError(`${at(node.range[0])}: the image of component "${name}" is a block scalar; write it on one line`);
      const image = node.value;
      images.push({
        application,
        component: name,
        type,
        image,
        ...schemeOf(image),
        line: lines.linePos(node.range[0]).line,
        range: [node.range[0], node.range[1]],
        quoting,
      });
    });
  }
  return { text, images };
}

function schemeOf(image: string): { scheme: ImageScheme; reference: string } {
  if (image.startsWith('file://')) return { scheme: 'file', reference: image };
  if (image.startsWith('wasmcloud+builtin://')) return { scheme: 'builtin', reference: image };
  const prefix = OCI_PREFIXES.find((p) => image.startsWith(p));
  return { scheme: 'oci', reference: prefix === undefined ? image : image.slice(prefix.length) };
}

/**
 * The manifest text with some images replaced (keyed by their range start), each written in its
 * original quoting; every other character is kept.
 */
export function rewriteImages(manifest: WadmManifest, replacements: Map<WadmImage, string>): string {
  const ordered = [...replacements.entries()].sort(([a], [b]) => b.range[0] - a.range[0]);
  let text = manifest.text;
  for (const [image, value] of ordered) {
    text = text.slice(0, image.range[0]) + quote(value, image.quoting) + text.slice(image.range[1]);
  }
  return text;
}

function quote(value: string, quoting: WadmImage['quoting']): string {
  if (quoting === 'single') return `'${value.replaceAll("'", "''")}'`;
  if (quoting === 'double') return JSON.stringify(value);
  return value;
}
