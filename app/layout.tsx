import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { LabClockProvider } from './_components/lab-clock';
import { LiveProvider } from './_components/live-provider';
import { SiteHeader } from './_components/site-header';
import { TRPCReactProvider } from './_trpc/client';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Machines · Bare-metal lab', template: '%s · Bare-metal lab' },
  description: 'Operator console for the embedded conductor and its simulated fleet',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-dvh bg-white text-zinc-900 antialiased dark:bg-zinc-950 dark:text-zinc-100">
        <TRPCReactProvider>
          <LabClockProvider>
            <LiveProvider>
              <SiteHeader />
              {children}
            </LiveProvider>
          </LabClockProvider>
        </TRPCReactProvider>
      </body>
    </html>
  );
}
