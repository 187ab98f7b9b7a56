// The floor: `benchResources` resources of a dynamic provider that does nothing (create returns an id,
// diff says no change, read returns the props). What the engine, the language host and the dynamic
// provider host cost on their own for that many resources.
import * as pulumi from "@pulumi/pulumi";

interface Props {
  index: number;
  name: string;
}

const provider: pulumi.dynamic.ResourceProvider<Props, Props> = {
  async create(inputs) {
    return { id: `floor-${inputs.index}`, outs: inputs };
  },
  async diff() {
    return { changes: false };
  },
  async read(id, props) {
    return { id, props };
  },
  async delete() {},
};

class FloorResource extends pulumi.dynamic.Resource {
  constructor(name: string, props: Props) {
    super(provider, name, props, undefined, "bench", "Floor");
  }
}

const count = new pulumi.Config().requireNumber("benchResources");
for (let i = 0; i < count; i++) new FloorResource(`floor-${i}`, { index: i, name: `bench-floor-${i}` });
