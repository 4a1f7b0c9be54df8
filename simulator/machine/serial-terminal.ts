/**
 * What answers keystrokes on a machine's serial port. A real serial line has no echo of its own:
 * whatever runs on the machine (a getty, GRUB's rescue shell, nothing at all while the firmware
 * counts memory) decides what comes back. The simulator models the few programs an operator
 * meets there, closely enough that typing at the console behaves as it would on hardware.
 */
export type TerminalProgram =
  /** A login prompt (the deployed OS, the agent ramdisk's getty on ttyS0). */
  | { kind: 'getty'; prompt: string }
  /** GRUB's rescue shell after it found no file system it knows. */
  | { kind: 'grub-rescue' }
  /** Nothing reads the line: powered off, firmware, kernel start-up, setup screens. */
  | { kind: 'none' };

export class SerialTerminal {
  private line = '';
  private awaitingPassword = false;
  /** A CR already ended the line; a following LF is the same key press from a CRLF client. */
  private lastWasCr = false;

  constructor(
    private readonly program: TerminalProgram,
    private readonly output: (text: string) => void,
  ) {}

  /** Feeds keystrokes (as xterm.js or a BMC's SOL sends them) to the running program. */
  input(text: string): void {
    if (this.program.kind === 'none') return;
    for (const ch of text) {
      const wasCr = this.lastWasCr;
      this.lastWasCr = ch === '\r';
      if (ch === '\n' && wasCr) continue;
      if (ch === '\r' || ch === '\n') this.enter();
      else if (ch === '\x7f' || ch === '\b') this.erase();
      else if (ch === '\x03') this.interrupt();
      else if (ch === '\x15') this.killLine();
      else if (ch >= ' ') {
        this.line += ch;
        if (!this.awaitingPassword) this.output(ch);
      }
      // Other control characters (escape sequences of arrow keys, …) are dropped, as a
      // getty in canonical mode without readline would.
    }
  }

  private erase(): void {
    if (this.line.length === 0) return;
    this.line = [...this.line].slice(0, -1).join('');
    if (!this.awaitingPassword) this.output('\b \b');
  }

  private killLine(): void {
    if (!this.awaitingPassword) this.output('\b \b'.repeat([...this.line].length));
    this.line = '';
  }

  private interrupt(): void {
    this.line = '';
    this.awaitingPassword = false;
    this.output(`^C\r\n${this.prompt()}`);
  }

  private enter(): void {
    const typed = this.line.trim();
    this.line = '';
    if (this.program.kind === 'grub-rescue') {
      const command = typed.split(/\s+/)[0] ?? '';
      this.output(
        command === ''
          ? `\r\n${this.prompt()}`
          : `\r\nerror: unknown command \`${command}'.\r\n${this.prompt()}`,
      );
      return;
    }
    if (this.awaitingPassword) {
      // No account on a simulated machine has a password anyone knows; real login(1) also
      // answers the same way for unknown users, so names are not disclosed.
      this.awaitingPassword = false;
      this.output(`\r\n\r\nLogin incorrect\r\n${this.prompt()}`);
      return;
    }
    if (typed === '') {
      this.output(`\r\n${this.prompt()}`);
      return;
    }
    this.awaitingPassword = true;
    this.output('\r\nPassword: ');
  }

  /** The program's prompt, written by the machine when the program starts. */
  prompt(): string {
    switch (this.program.kind) {
      case 'getty':
        return this.program.prompt;
      case 'grub-rescue':
        return 'grub rescue> ';
      case 'none':
        return '';
    }
  }
}
