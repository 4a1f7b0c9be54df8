import { RestError } from '../commands/errors';

/** IPA's image errors (`errors.py`): the type names and messages Ironic shows as last_error. */
export class ImageDownloadError extends RestError {
  constructor(imageId: string, reason: string) {
    super(
      'ImageDownloadError',
      500,
      'Error downloading image',
      `Download of image ${imageId} failed: ${reason}`,
    );
  }
}

/** A 4xx from the image server: retrying cannot help, so no other URL or attempt is tried. */
export class ImageDownloadFatalError extends ImageDownloadError {}

export class ImageDownloadTimeoutError extends RestError {
  constructor(imageId: string, seconds: number) {
    super(
      'ImageDownloadTimeoutError',
      408,
      'Timeout reached while downloading image',
      `Download of image ${imageId} did not finish within ${seconds} seconds`,
    );
  }
}

export class ImageChecksumError extends RestError {
  constructor(imageId: string, location: string, expected: string, computed: string) {
    super(
      'ImageChecksumError',
      500,
      'Error verifying image checksum',
      `Image failed to verify against checksum. location: ${location}; image ID: ${imageId}; image checksum: ${expected}; verification checksum: ${computed}`,
    );
  }
}

export class ImageWriteError extends RestError {
  constructor(device: string, reason: string) {
    super(
      'ImageWriteError',
      500,
      'Error writing image to device',
      `Writing image to device ${device} failed: ${reason}`,
    );
  }
}

/** The image is not what it claims to be, or is unsafe to write (IPA's InvalidImage). */
export class InvalidImageError extends RestError {
  constructor(details: string) {
    super('InvalidImage', 400, 'The image is invalid', details);
  }
}

export class ConfigDriveError extends RestError {
  constructor(details: string) {
    super('InstanceDeployFailure', 500, 'Failed to deploy instance', details);
  }
}
