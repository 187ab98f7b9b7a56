// A small SQL reader: enough for the statements the Snowflake provider issues, strict about everything else.

export type Token = { kind: "word" | "ident" | "string" | "number" | "punct"; text: string };

export class SqlError extends Error {
  constructor(
    readonly code: string,
    readonly sqlState: string,
    message: string,
  ) {
    super(message);
  }
}

export const syntaxError = (near: string) =>
  new SqlError("001003", "42000", `SQL compilation error:\nsyntax error line 1 unexpected '${near}'.`);

/** What an error names: never a string literal's content (it may be a password). */
export const near = (tok: Token | undefined) =>
  !tok ? "<EOF>" : tok.kind === "string" ? "<string literal>" : tok.text;

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let s = "";
      i++;
      for (;;) {
        if (i >= sql.length) throw syntaxError("<EOF>");
        if (sql[i] === "'" && sql[i + 1] === "'") {
          s += "'";
          i += 2;
        } else if (sql[i] === "'") {
          i++;
          break;
        } else if (sql[i] === "\\" && i + 1 < sql.length) {
          s += sql[i + 1];
          i += 2;
        } else s += sql[i++];
      }
      out.push({ kind: "string", text: s });
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      if (end < 0) throw syntaxError("<EOF>");
      out.push({ kind: "ident", text: sql.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i))![0];
      out.push({ kind: "word", text: m.toUpperCase() });
      i += m.length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(sql.slice(i))![0];
      out.push({ kind: "number", text: m });
      i += m.length;
    } else if ("=,();.".includes(c)) {
      out.push({ kind: "punct", text: c });
      i++;
    } else {
      throw syntaxError(c);
    }
  }
  while (out.length && out[out.length - 1].text === ";" && out[out.length - 1].kind === "punct") out.pop();
  return out;
}

export class Reader {
  private i = 0;
  constructor(private readonly t: Token[]) {}
  peek(n = 0): Token | undefined {
    return this.t[this.i + n];
  }
  done(): boolean {
    return this.i >= this.t.length;
  }
  /** Consumes the keywords if they come next. */
  accept(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) {
      const tok = this.t[this.i + k];
      if (tok?.kind !== "word" || tok.text !== words[k]) return false;
    }
    this.i += words.length;
    return true;
  }
  expect(...words: string[]): void {
    if (!this.accept(...words)) throw syntaxError(near(this.peek()));
  }
  punct(p: string): boolean {
    const tok = this.t[this.i];
    if (tok?.kind === "punct" && tok.text === p) {
      this.i++;
      return true;
    }
    return false;
  }
  /** An identifier: unquoted ones are upper-cased, quoted ones kept as written. */
  ident(): string {
    const tok = this.t[this.i];
    if (!tok || (tok.kind !== "word" && tok.kind !== "ident")) throw syntaxError(near(tok));
    this.i++;
    return tok.text;
  }
  /** A property value: a string, an identifier, a number or TRUE/FALSE. */
  value(): string {
    const tok = this.t[this.i];
    if (!tok || tok.kind === "punct") throw syntaxError(near(tok));
    this.i++;
    return tok.text;
  }
  end(): void {
    if (!this.done()) throw syntaxError(near(this.peek()));
  }
}

export const USER_PROPERTIES = [
  "PASSWORD",
  "LOGIN_NAME",
  "DEFAULT_ROLE",
  "DEFAULT_WAREHOUSE",
  "DEFAULT_NAMESPACE",
  "COMMENT",
  "TYPE",
  "MUST_CHANGE_PASSWORD",
];

export function properties(r: Reader, allowed: string[]): Record<string, string> {
  const props: Record<string, string> = {};
  while (!r.done()) {
    const key = r.ident();
    if (!allowed.includes(key)) {
      throw new SqlError("001003", "42000", `SQL compilation error:\ninvalid property '${key}' for 'USER'`);
    }
    if (!r.punct("=")) throw syntaxError(near(r.peek()));
    props[key] = r.value();
  }
  return props;
}
