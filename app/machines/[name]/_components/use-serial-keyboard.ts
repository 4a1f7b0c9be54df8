'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import type { SerialMessage } from '../../../_server/router';
import { useTRPCClient } from '../../../_trpc/client';

type Writer = Extract<SerialMessage, { type: 'writer' }>['writer'];

/** How often an open page renews its hold on the keyboard (the server's lease is a minute). */
const RENEW_MS = 15_000;

/** This tab's identity for the writer registry: kept across reloads of the tab, not shared. */
function tabSession(): { session: string; label: string } {
  const key = 'serial-console-session';
  let session = sessionStorage.getItem(key);
  if (!session) {
    session = crypto.randomUUID();
    sessionStorage.setItem(key, session);
  }
  return { session, label: `browser tab ${session.slice(0, 4)}` };
}

/**
 * The keyboard of one serial console: who holds it, taking and giving it back, and sending
 * keystrokes in order (what is typed while a send is in flight goes out together next).
 */
export function useSerialKeyboard(ident: string) {
  const client = useTRPCClient();
  const [me, setMe] = useState<{ session: string; label: string } | null>(null);
  const [writer, setWriterState] = useState<Writer>(null);
  // Keystrokes are judged against the writer as of now, not as of the last render.
  const writerRef = useRef<Writer>(null);
  const setWriter = useCallback((next: Writer) => {
    writerRef.current = next;
    setWriterState(next);
  }, []);
  const [error, setError] = useState<string | null>(null);
  const queue = useRef('');
  const sending = useRef(false);

  useEffect(() => setMe(tabSession()), []);
  const mine = writer !== null && writer.session === me?.session;

  const flush = useCallback(async () => {
    if (sending.current || !me) return;
    sending.current = true;
    try {
      while (queue.current !== '') {
        const text = queue.current.slice(0, 4096);
        queue.current = queue.current.slice(text.length);
        await client.machines.serialInput.mutate({ ident, session: me.session, text });
      }
      setError(null);
    } catch (e) {
      queue.current = '';
      setError((e as Error).message);
    } finally {
      sending.current = false;
    }
  }, [client, ident, me]);

  const type = useCallback(
    (text: string) => {
      // A watcher's keystrokes go nowhere, as on a read-only serial-over-LAN session.
      if (!me || writerRef.current?.session !== me.session) return;
      queue.current += text;
      void flush();
    },
    [flush, me],
  );

  const claim = useCallback(
    async (force: boolean) => {
      if (!me) return;
      try {
        const claimed = await client.machines.serialClaim.mutate({ ident, ...me, force });
        setWriter(claimed);
        setError(null);
      } catch (e) {
        setError((e as Error).message);
      }
    },
    [client, ident, me],
  );

  const release = useCallback(async () => {
    if (!me) return;
    try {
      await client.machines.serialRelease.mutate({ ident, session: me.session });
      setWriter(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [client, ident, me, setWriter]);

  // While this tab writes, keep the lease; give the keyboard back when the page goes away.
  useEffect(() => {
    if (!mine || !me) return;
    const timer = setInterval(() => {
      void client.machines.serialRenew
        .mutate({ ident, session: me.session })
        .catch(() => undefined);
    }, RENEW_MS);
    return () => clearInterval(timer);
  }, [client, ident, me, mine]);
  useEffect(() => {
    if (!mine || !me) return;
    return () => {
      void client.machines.serialRelease
        .mutate({ ident, session: me.session })
        .catch(() => undefined);
    };
  }, [client, ident, me, mine]);

  return { writer, setWriter, mine, me, type, claim, release, error };
}
