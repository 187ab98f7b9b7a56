// What the state stores as a dynamic resource's provider (its `__provider` property, which
// pulumi.dynamic's host evaluates as a module and whose `handler()` answers the provider): not the
// provider's code, serialized by value, but one line that asks loader.js for the provider of the
// resource's type, declared in a module of this checkout. So a resource carries about 150 bytes for its
// provider instead of 30–60 KB (twice: in its inputs and its outputs), and a provider fix reaches the
// refresh, update and delete of resources created before it. The host requires it from the provider
// process's directory, the program's, where node_modules links `@sophia-ai/providers` to providers/.

/** What every reference contains (kit.ts tells it from a provider serialized by value). */
export const REFERENCE_MARK = "@sophia-ai/providers";

/** The `__provider` text for the provider of `type`, declared in `file` (a path from the project's root). */
export function providerReference(file: string, type: string): string {
  const args = [file, type].map((s) => JSON.stringify(s)).join(", ");
  return `exports.handler = () => require(${JSON.stringify(REFERENCE_MARK)}).provider(${args});\n`;
}
