export { privateKeyToPem, privateKeyFromPem, isEncryptedPrivateKeyPem, publicKeyToPem, publicKeyFromPem } from './pem.js';
export { signerFromPrivateKey, type Signer } from './signer.js';
export { signEnvelope } from './envelope.js';
export {
  createRootMetadata,
  unsignedRootMetadata,
  signRootMetadata,
  rootSignatureStatus,
  tufDate,
  TUF_SPEC_VERSION,
  type RootMetadataOptions,
  type RootMetadataDocument,
  type RootSignatureStatus,
  type RootKeySignature,
} from './root-metadata.js';
export { loadPemSigner, loadPublicKeyFile, generateKeyFiles, type LoadKeyOptions, type PassphraseSource } from './key-files.js';
