'use client';

import '@xterm/xterm/css/xterm.css';
import type { FitAddon } from '@xterm/addon-fit';
import type { Terminal } from '@xterm/xterm';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useEffect, useRef, useState } from 'react';
import type { SerialMessage } from '../../../_server/router';
import { useTRPC } from '../../../_trpc/client';
import { resumeFrom } from './serial-resume';
import { useSerialKeyboard } from './use-serial-keyboard';

/** Kept for "Download log"; older output is dropped first. */
const MAX_LOG = 1024 * 1024;
/** After this long without output, say so: a hung boot looks exactly like a quiet one. */
const QUIET_AFTER_MS = 15_000;

const theme = {
  light: {
    background: '#fafafa',
    foreground: '#27272a',
    cursor: '#fafafa',
    selectionBackground: '#bae6fd',
  },
  dark: {
    background: '#09090b',
    foreground: '#e4e4e7',
    cursor: '#09090b',
    selectionBackground: '#075985',
  },
};

/**
 * The simulated machine's serial console in xterm: what it printed recently, then its output
 * as it happens. Everyone watches; one tab at a time types (the others see who), as with a
 * BMC's single serial-over-LAN session, and a watcher can take the keyboard over.
 */
export function SerialConsole({ name }: { name: string }) {
  const trpc = useTRPC();
  const host = useRef<HTMLDivElement>(null);
  const terminal = useRef<Terminal | null>(null);
  const backlog = useRef<Exclude<SerialMessage, { type: 'writer' }>[]>([]);
  const log = useRef('');
  const [bytes, setBytes] = useState(0);
  const [lastOutput, setLastOutput] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [connected, setConnected] = useState(true);
  const [confirmTakeOver, setConfirmTakeOver] = useState(false);
  const keyboard = useSerialKeyboard(name);
  const typeRef = useRef(keyboard.type);
  typeRef.current = keyboard.type;

  /** Writes a message to the screen, resuming rather than redrawing after a reconnect. */
  const show = (message: Exclude<SerialMessage, { type: 'writer' }>) => {
    const term = terminal.current;
    if (!term) {
      backlog.current.push(message);
      return;
    }
    const step = message.type === 'reset' ? resumeFrom(log.current, message.text) : null;
    if (step?.mode === 'reset') term.reset();
    term.write(step ? step.text : message.text);
    log.current = (
      step?.mode === 'reset' ? step.text : log.current + (step?.text ?? message.text)
    ).slice(-MAX_LOG);
    setBytes(log.current.length);
  };

  useEffect(() => {
    let disposed = false;
    let observer: ResizeObserver | undefined;
    let fit: FitAddon | undefined;
    void Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit')]).then(
      ([{ Terminal: XTerm }, { FitAddon: Fit }]) => {
        const element = host.current;
        if (disposed || !element) return;
        const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
        const term = new XTerm({
          convertEol: true,
          cursorStyle: 'block',
          cursorBlink: false,
          scrollback: 10_000,
          fontSize: 13,
          fontFamily: "ui-monospace, 'SF Mono', Menlo, Consolas, 'Liberation Mono', monospace",
          theme: dark ? theme.dark : theme.light,
        });
        fit = new Fit();
        term.loadAddon(fit);
        term.open(element);
        fit.fit();
        terminal.current = term;
        // Keystrokes leave only while this tab holds the keyboard (checked as they are typed).
        term.onData((data) => typeRef.current(data));
        for (const message of backlog.current.splice(0)) show(message);
        observer = new ResizeObserver(() => fit?.fit());
        observer.observe(element);
      },
    );
    return () => {
      disposed = true;
      observer?.disconnect();
      terminal.current?.dispose();
      terminal.current = null;
    };
  }, []);

  const subscription = useSubscription(
    trpc.machines.serial.subscriptionOptions(
      { ident: name },
      {
        enabled: connected,
        onData: (message) => {
          if (message.type === 'writer') {
            keyboard.setWriter(message.writer);
            return;
          }
          show(message);
          if (message.text !== '') setLastOutput(Date.now());
        },
      },
    ),
  );

  // The blinking cursor says this tab types; keystrokes of watchers are dropped by the keyboard.
  useEffect(() => {
    const term = terminal.current;
    if (!term) return;
    term.options.cursorBlink = keyboard.mine;
    if (keyboard.mine) term.focus();
  }, [keyboard.mine, bytes]);

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const quietS = lastOutput === null ? null : Math.floor((now - lastOutput) / 1000);
  const quiet = quietS !== null && quietS * 1000 >= QUIET_AFTER_MS;

  const download = () => {
    const url = URL.createObjectURL(new Blob([log.current], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${name}-console.log`;
    a.click();
    URL.revokeObjectURL(url);
  };

  const status = !connected
    ? 'Disconnected'
    : subscription.status === 'pending'
      ? 'Connected'
      : subscription.status === 'error'
        ? 'Disconnected'
        : 'Connecting…';
  const writer = keyboard.writer;
  const who = keyboard.mine
    ? 'you are typing'
    : writer
      ? `${writer.label} is typing · read-only`
      : 'read-only · nobody is typing';
  const button =
    'rounded-md px-2.5 py-1 text-sm ring-1 ring-zinc-300 hover:bg-zinc-50 disabled:opacity-50 dark:ring-zinc-700 dark:hover:bg-zinc-800';
  return (
    <section aria-label="Serial console" className="flex flex-col gap-2">
      <div className="flex flex-wrap items-center justify-between gap-2 text-sm">
        <p role="status" className="text-zinc-600 dark:text-zinc-300">
          {status} · <span data-testid="serial-writer">{who}</span> · {(bytes / 1024).toFixed(1)}{' '}
          KiB
          {connected && quiet && (
            <span className="text-amber-700 dark:text-amber-400"> · no output for {quietS} s</span>
          )}
        </p>
        <div className="flex flex-wrap gap-2" role="group" aria-label="Console controls">
          {keyboard.mine ? (
            <button type="button" className={button} onClick={() => void keyboard.release()}>
              Stop typing
            </button>
          ) : writer ? (
            <button
              type="button"
              className={
                confirmTakeOver
                  ? 'rounded-md bg-amber-600 px-2.5 py-1 text-sm text-white hover:bg-amber-700'
                  : button
              }
              disabled={!connected}
              onBlur={() => setConfirmTakeOver(false)}
              onClick={() => {
                if (!confirmTakeOver) {
                  setConfirmTakeOver(true);
                  return;
                }
                setConfirmTakeOver(false);
                void keyboard.claim(true);
              }}
            >
              {confirmTakeOver ? `Confirm: take over from ${writer.label}` : 'Take over'}
            </button>
          ) : (
            <button
              type="button"
              className={button}
              disabled={!connected}
              onClick={() => void keyboard.claim(false)}
            >
              Type
            </button>
          )}
          <button type="button" className={button} onClick={() => setConnected((c) => !c)}>
            {connected ? 'Disconnect' : 'Connect'}
          </button>
          <button type="button" className={button} onClick={() => terminal.current?.clear()}>
            Clear
          </button>
          <button type="button" className={button} onClick={download}>
            Download log
          </button>
          {connected && subscription.status === 'error' && (
            <button type="button" className={button} onClick={() => subscription.reset()}>
              Reconnect
            </button>
          )}
        </div>
      </div>
      {keyboard.error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {keyboard.error}
        </p>
      )}
      {subscription.error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {subscription.error.message}
        </p>
      )}
      <div
        ref={host}
        data-testid="serial-console"
        className="h-[calc(100dvh-18rem)] min-h-80 overflow-hidden rounded-lg bg-zinc-50 p-2 ring-1 ring-zinc-200 dark:bg-zinc-950 dark:ring-zinc-800"
      />
    </section>
  );
}
