import { OCI_TAR_LAYER_MEDIA_TYPE } from '../oci/media-types.js';

/** Media types wash and the wasmCloud host use for provider archives (spec/oci-artifact.md §1). */
export const PAR_LAYER_MEDIA_TYPE = 'application/vnd.wasmcloud.provider.archive.layer.v1+par';
export const PAR_CONFIG_MEDIA_TYPE = 'application/vnd.wasmcloud.provider.archive.config';
/** A plain OCI tar layer is also accepted as a par layer on pull. */
export const PAR_LAYER_MEDIA_TYPES: readonly string[] = [PAR_LAYER_MEDIA_TYPE, OCI_TAR_LAYER_MEDIA_TYPE];
