'use client';

import { useSubscription } from '@trpc/tanstack-react-query';
import {
  createContext,
  useContext,
  useEffect,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import { useTRPC } from '../_trpc/client';
import { MachineStore, type MachineListState } from './machine-store';

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'stale';

/** How long a dropped stream may try to reconnect before the data on screen counts as stale. */
const STALE_AFTER_MS = 10_000;

interface LiveMachines {
  list: MachineListState;
  connection: Connection;
  /** Wall time the stream was lost, while it is. */
  lostAt: number | null;
  retry: () => void;
}

const LiveMachinesContext = createContext<LiveMachines | null>(null);

/** Holds the live machine list for the page: one subscription, however many views read it. */
export function LiveMachinesProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const [store] = useState(() => new MachineStore());
  const subscription = useSubscription(
    trpc.machines.live.subscriptionOptions(undefined, {
      onData: (event) => store.apply(event.data),
    }),
  );
  const list = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  const connected = subscription.status === 'pending';
  const [lostAt, setLostAt] = useState<number | null>(null);
  const [overdue, setOverdue] = useState(false);

  useEffect(() => {
    if (connected || !list.ready) {
      setLostAt(null);
      setOverdue(false);
      return;
    }
    setLostAt((at) => at ?? Date.now());
    const timer = setTimeout(() => setOverdue(true), STALE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [connected, list.ready]);

  let connection: Connection;
  if (connected) connection = 'live';
  else if (!list.ready) connection = subscription.status === 'error' ? 'stale' : 'connecting';
  else connection = subscription.status === 'error' || overdue ? 'stale' : 'reconnecting';

  return (
    <LiveMachinesContext.Provider
      value={{ list, connection, lostAt, retry: () => subscription.reset() }}
    >
      {children}
    </LiveMachinesContext.Provider>
  );
}

export function useLiveMachines(): LiveMachines {
  const value = useContext(LiveMachinesContext);
  if (!value) throw new Error('useLiveMachines needs a LiveMachinesProvider');
  return value;
}
