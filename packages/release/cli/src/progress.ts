// How long work reports its steps on stderr (issue 10). Pure: the Io decides where the text goes,
// these functions only say what it is. Imports nothing; loaded with the first progress line.

/** Two renderings: one line rewritten in place on a terminal, plain stable lines anywhere else. */
export type ProgressMode = 'terminal' | 'lines';

/**
 * CI is set to a value that means yes. CI=false, CI=0 and an empty CI mean "not CI": a person who
 * sets CI=false on a terminal gets the terminal rendering.
 */
export function isCi(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env['CI']?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

/** The rendering for a stderr that is (or is not) a terminal, in this environment. */
export function progressMode(stderrIsTerminal: boolean, env: Readonly<Record<string, string | undefined>>): ProgressMode {
  return stderrIsTerminal && !isCi(env) && env['TERM'] !== 'dumb' ? 'terminal' : 'lines';
}

/**
 * Numbers the products of a command's progress in the order they first report: `[2/4] cam-x: sign`
 * (`[2] ...` when the total is not known up front). A step of no product (`release: publish`) has no number.
 */
export function stepLabeller(products: readonly string[] | undefined): (model: string, step: string) => string {
  const order = [...(products ?? [])];
  const total = products === undefined ? '' : `/${products.length}`;
  return (model, step) => {
    if (model === 'release') return `${model}: ${step}`;
    let index = order.indexOf(model);
    if (index < 0) index = order.push(model) - 1;
    return `[${index + 1}${total}] ${model}: ${step}`;
  };
}

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

/** ESC [ K: erase to the end of the line, after a carriage return went back to its start. */
const REWRITE = '\r\u001b[K';

/**
 * The terminal line for a step: its label, the time this step has taken and the time since the
 * first step, cut to the terminal's width (a wrapped line could not be rewritten in place).
 */
export function terminalLine(label: string, stepMs: number, totalMs: number, columns: number | undefined): string {
  const suffix = ` … ${seconds(stepMs)} (${seconds(totalMs)} in all)`;
  // 0 or unknown (a pseudo-terminal with no size set): the usual 80.
  const width = columns !== undefined && columns > 0 ? columns : 80;
  const room = width - 1 - suffix.length;
  const shown = label.length <= room ? label : `${label.slice(0, Math.max(0, room - 1))}…`;
  return `${REWRITE}${shown}${suffix}`;
}
