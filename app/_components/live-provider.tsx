'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import type { MachineEvent, MachineRow } from '../_server/router';
import { useTRPC } from '../_trpc/client';
import { isSignificantChange, patchPage } from './live-patch';

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'stale';

/**
 * A stream that drops and comes back within this long is not worth a word: the server recycles
 * streams on purpose and the browser takes about 3 s to reconnect, missing nothing.
 */
const QUIET_RECONNECT_MS = 4_500;
/** How long a dropped stream may try to reconnect before what is on screen counts as stale. */
const STALE_AFTER_MS = 12_000;

type Listener = (event: MachineEvent) => void;

interface Live {
  connection: Connection;
  /** Wall time the stream was lost, while it is. */
  lostAt: number | null;
  retry: () => void;
  /** Hears each machine change after the query cache has been patched. */
  listen: (listener: Listener) => () => void;
}

const LiveContext = createContext<Live | null>(null);

/**
 * One live stream for the whole console. Each change is patched into every cached query that
 * shows the machine (list pages, the detail view); a resync (missed history) refetches them.
 */
export function LiveProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const listeners = useRef(new Set<Listener>());
  const [synced, setSynced] = useState(false);

  const apply = (event: MachineEvent) => {
    if (event.type === 'upsert') {
      const { row } = event;
      queryClient.setQueriesData({ queryKey: trpc.machines.page.pathKey() }, (page) =>
        page ? patchPage(page as Parameters<typeof patchPage>[0], row) : page,
      );
      let significant = false;
      for (const ident of [row.name, row.uuid]) {
        const key = trpc.machines.byId.queryKey({ ident });
        const before = queryClient.getQueryData<MachineRow>(key);
        if (before) {
          significant ||= isSignificantChange(before, row);
          queryClient.setQueryData(key, row);
        }
      }
      if (significant) {
        for (const ident of [row.name, row.uuid]) {
          void queryClient.invalidateQueries({
            queryKey: trpc.machines.events.queryKey({ ident }),
          });
          void queryClient.invalidateQueries({
            queryKey: trpc.machines.inventory.queryKey({ ident }),
          });
        }
      }
    } else {
      void queryClient.invalidateQueries({ queryKey: trpc.machines.byId.queryKey() });
    }
    for (const listener of listeners.current) listener(event);
  };

  const subscription = useSubscription(
    trpc.machines.live.subscriptionOptions(
      { snapshot: false },
      {
        onData: ({ data }) => {
          if (data.type === 'resync' || data.type === 'snapshot') {
            setSynced(true);
            void queryClient.invalidateQueries({ queryKey: trpc.machines.pathKey() });
            return;
          }
          apply(data);
        },
      },
    ),
  );

  const connected = subscription.status === 'pending';
  const [lostAt, setLostAt] = useState<number | null>(null);
  const [gap, setGap] = useState<'none' | 'noticed' | 'overdue'>('none');
  useEffect(() => {
    if (connected || !synced) {
      setLostAt(null);
      setGap('none');
      return;
    }
    setLostAt((at) => at ?? Date.now());
    const noticed = setTimeout(() => setGap('noticed'), QUIET_RECONNECT_MS);
    const overdue = setTimeout(() => setGap('overdue'), STALE_AFTER_MS);
    return () => {
      clearTimeout(noticed);
      clearTimeout(overdue);
    };
  }, [connected, synced]);

  let connection: Connection;
  if (!synced) connection = subscription.status === 'error' ? 'stale' : 'connecting';
  else if (subscription.status === 'error' || gap === 'overdue') connection = 'stale';
  else if (connected || gap === 'none') connection = 'live';
  else connection = 'reconnecting';

  const listen = useCallback((listener: Listener) => {
    listeners.current.add(listener);
    return () => void listeners.current.delete(listener);
  }, []);
  const { reset } = subscription;
  const value = useMemo<Live>(
    () => ({ connection, lostAt, retry: reset, listen }),
    [connection, lostAt, reset, listen],
  );
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive(): Live {
  const value = useContext(LiveContext);
  if (!value) throw new Error('useLive needs a LiveProvider');
  return value;
}
