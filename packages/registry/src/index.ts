export * from './errors.js';
export * from './media-types.js';
export * from './target.js';
export * from './reference.js';
export * from './digest.js';
export * from './manifest.js';
