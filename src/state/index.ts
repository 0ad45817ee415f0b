export { deserializeState, emptyState, serializeState, type EmptyState, type SerializedState, type State, type StateJson } from './state.js';
