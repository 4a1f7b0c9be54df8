import { RestError } from '../commands/errors';

/**
 * IPA's hardware errors (`errors.py`): RESTErrors whose `type` is the class name and whose
 * `message` is the class message, so a failed step reads as it would from IPA.
 */

/** This manager cannot do that on this hardware; dispatch falls through to the next one. */
export class IncompatibleHardwareMethodError extends RestError {
  constructor(details = 'HardwareManager method is not compatible with hardware') {
    super(
      'IncompatibleHardwareMethodError',
      500,
      'HardwareManager method is not compatible with hardware',
      details,
    );
  }
}

export class HardwareManagerNotFound extends RestError {
  constructor(details = 'No valid HardwareManager found') {
    super('HardwareManagerNotFound', 500, 'No valid HardwareManager found', details);
  }
}

/** A manager's own misconfiguration: aborts dispatch instead of falling through. */
export class HardwareManagerConfigurationError extends RestError {
  constructor(details: string) {
    super(
      'HardwareManagerConfigurationError',
      500,
      'Hardware manager configuration error',
      details,
    );
  }
}

export class BlockDeviceEraseError extends RestError {
  constructor(details: string) {
    super('BlockDeviceEraseError', 500, 'Error erasing block device', details);
  }
}

export class BlockDeviceError extends RestError {
  constructor(details: string) {
    super('BlockDeviceError', 500, 'Block device caused unknown error', details);
  }
}

export class ProtectedDeviceError extends RestError {
  constructor(device: string, what: string) {
    super(
      'ProtectedDeviceError',
      500,
      'Unable to erase or write to a protected device',
      `Device ${device} is protected: it holds ${what}, a shared filesystem that other ` +
        'machines may use. Set the node driver_internal_info wipe_special_filesystems to false, ' +
        'or guard_special_filesystems to false in the agent configuration, to erase it anyway.',
    );
  }
}

export class DeviceNotFound extends RestError {
  constructor(details: string) {
    super(
      'DeviceNotFound',
      404,
      'Error finding the disk or partition device to deploy the image onto',
      details,
    );
  }
}

export class SoftwareRAIDError extends RestError {
  constructor(details: string) {
    super('SoftwareRAIDError', 500, 'Software RAID caused unknown error', details);
  }
}

export class CleaningError extends RestError {
  constructor(details: string) {
    super('CleaningError', 500, 'Clean step failed', details);
  }
}

export class CommandExecutionError extends RestError {
  constructor(details: string) {
    super('CommandExecutionError', 500, 'Command execution failed', details);
  }
}

/** A custom hardware manager that cannot be loaded, named so the operator can find it. */
export class HardwareManagerLoadError extends Error {
  readonly plugin: string;
  constructor(plugin: string, reason: string) {
    super(`hardware manager "${plugin}": ${reason}`);
    this.name = 'HardwareManagerLoadError';
    this.plugin = plugin;
  }
}
