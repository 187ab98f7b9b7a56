// Pulumi mocks: every resource the program registers is recorded with its inputs, so a test can run the
// program (or one component) without an engine and assert what would be created.
import * as pulumi from "@pulumi/pulumi";

export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

export function installMocks(): Registered[] {
  const registered: Registered[] = [];
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        const id = `${args.name}-id`;
        // Dynamic resources expose their ids as outputs; echo inputs and fill the computed ids.
        return { id, state: { ...args.inputs, actorId: id, connectionId: id } };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        return args.inputs;
      },
    },
    "sophia-ai",
    "unit",
    false,
  );
  return registered;
}

/** Sets the stack config the way the engine hands it to a program: values by full key, and the secret keys. */
export function setConfig(values: Record<string, string>, secrets: Record<string, string> = {}): void {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...values, ...secrets })) all[`sophia-ai:${k}`] = v;
  pulumi.runtime.setAllConfig(
    all,
    Object.keys(secrets).map((k) => `sophia-ai:${k}`),
  );
}

/** Resolves an Output (or plain value) to its value and whether it is secret. */
export function settle<T>(
  o: pulumi.Input<T> | undefined,
): Promise<{ value: T | undefined; secret: boolean }> {
  const out = pulumi.output(o as pulumi.Input<T>);
  return new Promise((resolve) => {
    Promise.all([(out as any).promise(), (out as any).isSecret]).then(([value, secret]) =>
      resolve({ value, secret }),
    );
  });
}
