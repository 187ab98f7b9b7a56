// The documented mapping between dotenv names and stack config keys, and which names are secret.
//   AIRBYTE_CLIENT_SECRET  <->  airbyteClientSecret        (the project's own keys)
//   GITHUB__TOKEN          <->  github:token               (another namespace: NAMESPACE__KEY)
// A name is secret when one of its words (split at _) is SECRET, PASSWORD, PASSWD, TOKEN, KEY, PASSPHRASE,
// CREDENTIAL or PRIVATE, unless its last word names a setting about the secret rather than the secret
// itself (ENABLED, VISIBILITY, NAME, ID, URL, PATH, DAYS, SECONDS, VERSION, CREDENTIALS, SOURCE):
// AIRBYTE_CLIENT_SECRET and GONG_ACCESS_KEY are secret; GITHUB_ORG_SECRET_VISIBILITY is not.

const SECRET_WORDS = ["SECRET", "PASSWORD", "PASSWD", "TOKEN", "KEY", "PASSPHRASE", "CREDENTIAL", "PRIVATE"];
const SETTING_WORDS = [
  "ENABLED",
  "VISIBILITY",
  "NAME",
  "ID",
  "URL",
  "PATH",
  "DAYS",
  "SECONDS",
  "VERSION",
  "CREDENTIALS",
  "SOURCE",
];

export function isSecretName(envName: string): boolean {
  const words = envName.split("_").filter(Boolean);
  return words.some((w) => SECRET_WORDS.includes(w)) && !SETTING_WORDS.includes(words[words.length - 1]);
}

const camel = (snake: string) => snake.toLowerCase().replace(/_([a-z0-9])/g, (_m, c) => c.toUpperCase());
const snake = (camelCase: string) => camelCase.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();

export function configKeyFor(envName: string): string {
  if (!/^[A-Z][A-Z0-9_]*$/.test(envName)) {
    throw new Error(
      `"${envName}" is not an environment variable name (A-Z, 0-9 and _, starting with a letter)`,
    );
  }
  const [ns, key] = envName.includes("__") ? envName.split(/__(.*)/s) : [undefined, envName];
  return ns ? `${camel(ns).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}:${camel(key)}` : camel(key);
}

export function envNameFor(configKey: string): string {
  const [ns, key] = configKey.includes(":") ? configKey.split(/:(.*)/s) : [undefined, configKey];
  const k = snake(key.replace(/[.-]/g, "_"));
  return ns ? `${snake(ns.replace(/-([a-z])/g, (_m, c) => c.toUpperCase()))}__${k}` : k;
}

/**
 * A dotenv value quoted so the dotenv parser reads it back unchanged: single quotes are literal; double
 * quotes expand \n; backticks are literal too. Throws for a value no quoting can carry.
 */
export function dotenvQuote(value: string): string {
  if (!value.includes("'") && !/[\r\n]/.test(value)) return `'${value}'`;
  if (!/["\\\r]/.test(value)) return `"${value.replace(/\n/g, "\\n")}"`;
  if (!value.includes("`") && !/[\r\n]/.test(value)) return `\`${value}\``;
  throw new Error("the value mixes quotes and line breaks in a way a dotenv file cannot hold");
}
