import type { Readable } from 'node:stream';
import type {
  ImageView,
  InstanceImageInfo,
  PendingDownload,
  RegisterImageRequest,
} from '../../images';
import type { FaultSpec, MachineSnapshot } from '../../simulator';
import type { ConductorPort, FleetPort, NodeView } from './lab-ports';

/** What the simulator panel drives: the fleet's machines, their boards and their faults. */
export interface SimulatorPort extends FleetPort<MachineSnapshot> {
  addMachine(options: {
    profile: string;
    name?: string;
    id?: string;
    powerOn?: boolean;
    bootDevice?: 'Pxe' | 'Hdd';
  }): MachineSnapshot;
  enrollment(id: string): {
    name: string;
    driver: string;
    driver_info: Record<string, unknown>;
    properties: Record<string, unknown>;
    ports: { address: string }[];
  };
  powerOn(id: string): Promise<void>;
  powerOff(id: string): Promise<void>;
  /** Keystrokes for a machine's serial port; the answer comes on its serial stream. */
  serialInput(id: string, text: string): void;
  injectFault(id: string, fault: FaultSpec): void;
  clearFault(id: string, fault: FaultSpec): void;
  faults(id: string): FaultSpec[];
  machine(id: string): { spec: { nics: readonly { name: string }[] } } | undefined;
}

export interface EnrollingConductor extends ConductorPort {
  createNode(input: {
    name?: string;
    driver: string;
    driver_info?: Record<string, unknown>;
    properties?: Record<string, unknown>;
    ports?: { address: string }[];
    provision_state?: 'enroll' | 'manageable' | 'available';
  }): NodeView;
}

/** The image service as the console uses it: the catalogue, and what a node needs to deploy one. */
export interface ImagesPort {
  readonly url: string;
  list(): ImageView[];
  instanceInfo(id: string): InstanceImageInfo;
  /** The images page: an upload streamed in, a file on the console host, a download, a removal. */
  addStream(
    stream: Readable,
    req: RegisterImageRequest & { fileName?: string },
  ): Promise<ImageView>;
  addPath(path: string, req?: RegisterImageRequest): Promise<ImageView>;
  addUrl(url: string, req?: RegisterImageRequest): Promise<ImageView>;
  remove(id: string): Promise<boolean>;
  /** Downloads by URL in progress: bytes received of Content-Length (null when unknown). */
  pending(): PendingDownload[];
}
