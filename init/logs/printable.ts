// Text from outside (a DHCP server's message, a container's log, dockerd relaying a
// registry's error, an image name) reaches the console: an escape sequence in it could
// retitle, clear or reprogram the terminal a person reads, a carriage return could
// overwrite what the line really says. Every control character but tab is shown as
// \xHH instead: C0, DEL and C1 (which some terminals take as CSI and OSC too).
const controls = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

export function printable(text: string): string {
  return text.replace(controls, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * The same for a JSON line: JSON.stringify escapes C0 itself but leaves DEL and C1 raw;
 * they become \u00XX, which keeps the line valid JSON for whoever parses the events.
 */
export function printableJson(json: string): string {
  return json.replace(/[\u007f-\u009f]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}
