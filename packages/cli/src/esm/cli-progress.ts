// An ES module in front of the CommonJS `cli-progress` package, imported lazily. Bundled, a dynamic
// import() of a CommonJS module yields only a default export; a static import here keeps the names.
export { Presets, SingleBar } from 'cli-progress';
