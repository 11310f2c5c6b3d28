export { FakeKie } from './server.js';
export { signKieCallback } from './callbacks.js';
export type {
  FakeKieOptions,
  TaskScenario,
  CreateBehaviour,
  PollFault,
  ImageChoice,
  CreateCall,
  PollCall,
  CallbackDelivery,
  FakeTaskView,
} from './types.js';
export { FakeImages, TEN_MIB } from './images.js';
export type { GeneratedImageKind } from './images.js';
