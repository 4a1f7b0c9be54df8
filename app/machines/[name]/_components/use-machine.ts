'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../../_trpc/client';

/** The machine's row, kept current by the live stream (see LiveProvider). */
export function useMachine(name: string) {
  const trpc = useTRPC();
  return useQuery(
    trpc.machines.byId.queryOptions({ ident: name }, { staleTime: Infinity, retry: false }),
  );
}
