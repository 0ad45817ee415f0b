/**
 * Name scopes say where in a model a node was built ('mlp/layer2'), so that shape
 * errors and exported node names point at the user's code rather than at op ids.
 */
const stack: string[] = [];

export function currentScope(): string {
  return stack.join('/');
}

export function withScope<T>(name: string, build: () => T): T {
  stack.push(name);
  try {
    return build();
  } finally {
    stack.pop();
  }
}
