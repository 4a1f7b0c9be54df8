/** A refusal with the HTTP status the service's API answers it with. */
export class ImageServiceError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ImageServiceError';
  }
}
