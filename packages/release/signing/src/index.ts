export { privateKeyToPem, privateKeyFromPem, publicKeyToPem, publicKeyFromPem } from './pem.js';
export { signerFromPrivateKey, type Signer } from './signer.js';
export { signEnvelope } from './envelope.js';
export { createRootMetadata, tufDate, TUF_SPEC_VERSION, type RootMetadataOptions } from './root-metadata.js';
export { loadPemSigner, generateKeyFiles } from './key-files.js';
