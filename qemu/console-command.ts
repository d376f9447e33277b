// A shell command typed on the serial console, and its output read back: the command is
// followed by an echo of a marker and its exit status, the marker split in the typed
// line so that only the command's own output holds it whole.

/** The line to type for `command`, ending in `echo <marker>:$?`. */
export function commandLine(command: string, marker: string): string {
  return `${command}; echo "${marker.slice(0, 4)}""${marker.slice(4)}:$?"\n`;
}

const escape = (ch: string) => ch.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

/**
 * The command's output, from the console text typed-line-first up to the whole marker.
 * The shell echoes the typed line first, wrapped at its 80 columns wherever a wrap
 * falls (as "\r\r\n"), and may draw the prompt and the line again: the output starts
 * after the last echo's end, matched with a break allowed between any two characters.
 */
export function commandOutput(text: string, marker: string): string {
  const echoEnd = new RegExp([...`${marker.slice(4)}:$?"`].map(escape).join('(?:\\r*\\n)?'), 'g');
  const echo = [...text.matchAll(echoEnd)].at(-1);
  const output = echo ? text.slice(echo.index! + echo[0].length) : text.slice(text.search(/\r?\n/) + 1);
  return output.replace(/^\r*\n/, '').trim();
}
