export {
  type DispatchCall,
  type HardwareDispatcher,
  HardwareManagerMethodNotFound,
  type HardwareStep,
  NO_HARDWARE_MANAGERS,
  type StepPhase,
} from './dispatch';
