import type { Metadata } from 'next';
import { EnrollForms } from './_components/enroll-forms';

export const metadata: Metadata = { title: 'Enroll a machine' };

export default function EnrollPage() {
  return (
    <main className="mx-auto flex max-w-3xl flex-col gap-4 px-4 py-5">
      <h1 className="text-xl font-semibold">Enroll a machine</h1>
      <EnrollForms />
    </main>
  );
}
