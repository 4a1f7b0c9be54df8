/** A Redfish error body (DSP0266 §9.6) with one `@Message.ExtendedInfo` entry. */
export interface RedfishError {
  error: {
    code: string;
    message: string;
    '@Message.ExtendedInfo': {
      '@odata.type': string;
      MessageId: string;
      Message: string;
      MessageArgs?: string[];
      Severity: 'OK' | 'Warning' | 'Critical';
      Resolution: string;
    }[];
  };
}

/** Base.1.x message ids the simulated BMC uses. */
export const RedfishMessage = {
  GeneralError: 'Base.1.8.GeneralError',
  ResourceNotFound: 'Base.1.8.ResourceMissingAtURI',
  ActionParameterUnknown: 'Base.1.8.ActionParameterUnknown',
  ActionParameterValueNotInList: 'Base.1.8.ActionParameterValueNotInList',
  PropertyValueNotInList: 'Base.1.8.PropertyValueNotInList',
  PropertyUnknown: 'Base.1.8.PropertyUnknown',
  MalformedJSON: 'Base.1.8.MalformedJSON',
  InsufficientPrivilege: 'Base.1.8.InsufficientPrivilege',
  NoValidSession: 'Base.1.8.NoValidSession',
  PreconditionFailed: 'Base.1.8.PreconditionFailed',
  OperationNotAllowed: 'Base.1.8.OperationNotAllowed',
} as const;

export function redfishError(
  messageId: string,
  message: string,
  resolution = 'None.',
  args?: string[],
): RedfishError {
  return {
    error: {
      code: messageId,
      message,
      '@Message.ExtendedInfo': [
        {
          '@odata.type': '#Message.v1_1_1.Message',
          MessageId: messageId,
          Message: message,
          ...(args ? { MessageArgs: args } : {}),
          Severity: 'Critical',
          Resolution: resolution,
        },
      ],
    },
  };
}
