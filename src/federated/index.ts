export {
  type Acceptance,
  DEFAULT_FEDERATED,
  FEDERATED_ALGORITHMS,
  FEDERATED_ALGORITHM_NAMES,
  type FederatedAlgorithm,
  type FederatedAlgorithmName,
  type FederatedConfig,
  LOCAL_DEFAULTS,
  resolveFederatedConfig,
} from './algorithms.js';
export { type ClientSpec, type ClientState, FederatedClient, runFeatures } from './client.js';
export { type FederatedCorrectionOptions, type FederatedCorrectionState, federatedCorrectionHook } from './correction.js';
export { FEDERATED_CHECKPOINT, type FederatedRecord, type FederatedRunOptions, ROUNDS_FILE, runFederated } from './run.js';
export { FederatedServer, type RoundRecord, type ServerState } from './server.js';
export { ClientEndpoint, InProcessTransport, type Transport } from './transport.js';
export { type ClientMessage, type ClientReply, type FeatureModelMessage, decodeMessage, encodeMessage } from './wire.js';
