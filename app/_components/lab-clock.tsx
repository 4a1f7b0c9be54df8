'use client';

import { useQuery } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useTRPC } from '../_trpc/client';

/**
 * The lab's time, ticking once a second. The conductor and the simulator share a clock that may
 * run faster than the wall (SIM_SPEED), and every timestamp they report is on that clock, so ages
 * like "12 s ago" must be measured against it rather than against the browser's Date.now().
 */
interface LabClock {
  /** Lab-clock milliseconds now, or null until the first sample arrives. */
  now: number | null;
  speed: number;
}

const LabClockContext = createContext<LabClock>({ now: null, speed: 1 });

export function LabClockProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const info = useQuery({ ...trpc.lab.info.queryOptions(), refetchInterval: 60_000 });
  const [wall, setWall] = useState<number | null>(null);

  useEffect(() => {
    const tick = () => setWall(Date.now());
    tick();
    const timer = setInterval(tick, 1000);
    return () => clearInterval(timer);
  }, []);

  const sample = info.data?.clock;
  const now =
    sample && wall !== null ? sample.now + (wall - info.dataUpdatedAt) * sample.speed : null;
  return (
    <LabClockContext.Provider value={{ now, speed: sample?.speed ?? 1 }}>
      {children}
    </LabClockContext.Provider>
  );
}

export function useLabClock(): LabClock {
  return useContext(LabClockContext);
}
