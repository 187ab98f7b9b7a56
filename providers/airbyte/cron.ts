// Quartz cron expressions, the syntax Airbyte's cron schedules use:
//   seconds minutes hours day-of-month month day-of-week [year]
// Returns a description of the first problem, or undefined when the expression is valid.

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
  question?: boolean;
  special?: RegExp;
}

const FIELDS: Field[] = [
  { name: "seconds", min: 0, max: 59 },
  { name: "minutes", min: 0, max: 59 },
  { name: "hours", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31, question: true, special: /^(L(-\d{1,2})?|LW|\d{1,2}W)$/ },
  { name: "month", min: 1, max: 12, names: MONTHS },
  {
    name: "day-of-week",
    min: 1,
    max: 7,
    names: DAYS,
    question: true,
    special: /^(\d|[A-Z]{3})(L|#[1-5])$|^L$/,
  },
  { name: "year", min: 1970, max: 2199 },
];

function value(token: string, f: Field): number | undefined {
  const named = f.names?.indexOf(token.toUpperCase()) ?? -1;
  if (named >= 0) return named + f.min;
  if (!/^\d+$/.test(token)) return undefined;
  const n = Number(token);
  return n >= f.min && n <= f.max ? n : undefined;
}

function checkField(text: string, f: Field): string | undefined {
  if (text === "?") return f.question ? undefined : `"?" is only allowed in day-of-month or day-of-week`;
  for (const item of text.split(",")) {
    if (f.special?.test(item.toUpperCase())) continue;
    const [range, step, extra] = item.split("/");
    if (extra !== undefined) return `"${item}" has more than one "/"`;
    if (step !== undefined && (!/^\d+$/.test(step) || Number(step) < 1))
      return `step "${step}" must be a positive number`;
    if (range === "*") continue;
    const [from, to, more] = range.split("-");
    if (more !== undefined) return `"${range}" is not a range`;
    if (value(from, f) === undefined) return `"${from}" is not a ${f.name} value (${f.min}-${f.max})`;
    if (to !== undefined && value(to, f) === undefined)
      return `"${to}" is not a ${f.name} value (${f.min}-${f.max})`;
  }
  return undefined;
}

export function quartzCronError(expr: string): string | undefined {
  const parts = expr.trim().split(/\s+/);
  if (parts.length < 6 || parts.length > 7) {
    return `expected 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]), got ${parts.length}`;
  }
  for (let i = 0; i < parts.length; i++) {
    const problem = checkField(parts[i], FIELDS[i]);
    if (problem) return `${FIELDS[i].name} field: ${problem}`;
  }
  if ((parts[3] === "?") === (parts[5] === "?")) {
    return `exactly one of day-of-month and day-of-week must be "?"`;
  }
  return undefined;
}
