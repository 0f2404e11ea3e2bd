// An ES module in front of the CommonJS `yaml` package, imported lazily. Bundled, a dynamic
// import() of a CommonJS module yields only a default export; a static import here keeps the names.
export { parse, parseAllDocuments, LineCounter, isAlias, isMap, isNode, isScalar, isSeq } from 'yaml';
