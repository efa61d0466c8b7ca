export {
  DEV_SAS_KEY,
  emulatorConnectionString,
  startServiceBusBroker,
  type BrokerOptions,
  type RunningBroker,
} from './broker';
export {
  PRODUCT_QUEUE_DEFAULTS,
  STANDARD_MAX_MESSAGE_SIZE_BYTES,
  parseBrokerConfig,
  readBrokerConfigFile,
  type BrokerConfigInput,
  type QueueConfig,
} from './config';
