import { describe, expect, it } from 'vitest';
import { SerialTerminal, type TerminalProgram } from './serial-terminal';

function terminal(program: TerminalProgram) {
  let out = '';
  const t = new SerialTerminal(program, (text) => (out += text));
  return { t, out: () => out };
}

describe('SerialTerminal', () => {
  const getty: TerminalProgram = { kind: 'getty', prompt: 'node-1 login: ' };

  it('echoes a login name, hides the password, refuses and prompts again', () => {
    const { t, out } = terminal(getty);
    t.input('admin\r');
    t.input('hunter2\r');
    expect(out()).toBe('admin\r\nPassword: \r\n\r\nLogin incorrect\r\nnode-1 login: ');
  });

  it('treats CR LF from a client as one Enter and an empty line as a fresh prompt', () => {
    const { t, out } = terminal(getty);
    t.input('\r\n\r\n');
    expect(out()).toBe('\r\nnode-1 login: \r\nnode-1 login: ');
  });

  it('backspace erases on screen and in the line; ^U kills the line; ^C starts over', () => {
    const { t, out } = terminal(getty);
    t.input('roox\x7ft');
    expect(out()).toBe('roox\b \bt');
    t.input('\x15');
    expect(out()).toBe('roox\b \bt' + '\b \b'.repeat(4));
    t.input('ab\x03');
    expect(out().endsWith('ab^C\r\nnode-1 login: ')).toBe(true);
    // The killed and interrupted text is gone: Enter on an empty line only re-prompts.
    t.input('\r');
    expect(out().endsWith('^C\r\nnode-1 login: \r\nnode-1 login: ')).toBe(true);
  });

  it('drops escape sequences and other control bytes', () => {
    const { t, out } = terminal(getty);
    t.input('\x1b[A\x01x');
    expect(out()).toBe('[Ax');
  });

  it('grub rescue names the unknown command', () => {
    const { t, out } = terminal({ kind: 'grub-rescue' });
    t.input('insmod normal\r\r');
    expect(out()).toBe(
      "insmod normal\r\nerror: unknown command `insmod'.\r\ngrub rescue> \r\ngrub rescue> ",
    );
  });

  it('nothing answers while no program reads the line', () => {
    const { t, out } = terminal({ kind: 'none' });
    t.input('hello\r');
    expect(out()).toBe('');
  });
});
