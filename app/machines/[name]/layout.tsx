import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { MachineHeader } from './_components/machine-header';
import { MachineTabs } from './_components/machine-tabs';

export async function generateMetadata({
  params,
}: {
  params: Promise<{ name: string }>;
}): Promise<Metadata> {
  return { title: decodeURIComponent((await params).name) };
}

export default async function MachineLayout({
  children,
  params,
}: {
  children: ReactNode;
  params: Promise<{ name: string }>;
}) {
  const name = decodeURIComponent((await params).name);
  return (
    <main className="mx-auto flex max-w-screen-2xl flex-col gap-4 px-4 py-5">
      <MachineHeader name={name} />
      <MachineTabs name={name} />
      {children}
    </main>
  );
}
