import drivers from 'fwkit:drivers';
import { IpcError } from '../errors.js';
import { MAX_SNAPSHOT_BASE64, ROUTES, message, openParentChannel, type IpcMessage, type MessageOf } from '../ipc/index.js';
import { envInt, logger, runMain } from '../runtime.js';
import { Acquisition } from './acquisition.js';
import { Compressor } from './compressor.js';
import { checkDrivers } from './drivers-check.js';
import { HealthMonitor, type Telemetry } from './health.js';
import { frameGeometry } from './pattern.js';

/**
 * The core domain: the only process that talks to the hardware (through the product's
 * drivers). It acquires and compresses video, watches its health and answers the protocol
 * domain, all over the IPC channel on fd 3. It opens no socket of its own.
 */
const log = logger('core');

runMain('core', () => {
  const capabilities = checkDrivers(drivers);
  const { sensor } = drivers;
  const geometry = frameGeometry(sensor.width, sensor.height, envInt('FWKIT_FRAME_MAX_WIDTH', 32, 16384, 640));
  const healthIntervalMs = envInt('FWKIT_HEALTH_INTERVAL_MS', 50, 60_000, 1000);
  const startedAt = performance.now();
  const uptimeMs = () => performance.now() - startedAt;

  const compressor = new Compressor();
  let droppedEncoderBusy = 0;
  const acquisition = new Acquisition(sensor.fps, geometry, (frame) => {
    if (!compressor.submit(frame)) droppedEncoderBusy += 1;
  });
  const monitor = new HealthMonitor();

  const readTelemetry = (now: number): Telemetry => {
    const telemetry: { -readonly [K in keyof Telemetry]: Telemetry[K] } = {};
    if (drivers.ptz !== undefined) telemetry.ptz = drivers.ptz.position();
    if (drivers.thermal !== undefined) telemetry.spotTemperatureC = Math.round(drivers.thermal.spotTemperature(0.5, 0.5, now) * 100) / 100;
    if (drivers.housing !== undefined) {
      const kPa = drivers.housing.readPressureKPa(now);
      telemetry.housingPressureKPa = Math.round(kPa * 100) / 100;
      telemetry.housingPressureOk = kPa >= drivers.housing.alarmBelowKPa;
    }
    return telemetry;
  };

  let stopping = false;
  const shutdown = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log(`stopping: ${why}`);
    acquisition.stop();
    clearInterval(healthTimer);
    await compressor.idle();
    channel.close();
    // Nothing should be left, but a stuck handle must not keep a stopped domain alive.
    setTimeout(() => process.exit(0), 1000).unref();
  };

  const handlePtz = async (command: MessageOf<'ptz.command'>['body']): Promise<MessageOf<'ptz.result'>> => {
    const { requestId } = command;
    if (drivers.ptz === undefined) {
      return message('ptz.result', { outcome: 'failed', requestId, error: 'PTZ_UNSUPPORTED', message: `${sensor.name} has no PTZ head` });
    }
    try {
      const position =
        command.action === 'move'
          ? await drivers.ptz.move({ pan: command.pan, tilt: command.tilt, zoom: command.zoom })
          : await drivers.ptz.gotoPreset(command.preset);
      return message('ptz.result', { outcome: 'done', requestId, position });
    } catch (error) {
      return message('ptz.result', {
        outcome: 'failed',
        requestId,
        error: 'PTZ_FAILED',
        message: (error instanceof Error ? error.message : String(error)).slice(0, 200),
      });
    }
  };

  const snapshot = (requestId: number): MessageOf<'snapshot.result'> => {
    const latest = compressor.latest;
    if (latest === undefined)
      return message('snapshot.result', { outcome: 'failed', requestId, error: 'NO_FRAME_YET', message: 'no frame yet' });
    const data = latest.data.toString('base64');
    if (data.length > MAX_SNAPSHOT_BASE64) {
      return message('snapshot.result', { outcome: 'failed', requestId, error: 'TOO_LARGE', message: `${latest.data.byteLength} bytes` });
    }
    return message('snapshot.result', {
      outcome: 'done',
      requestId,
      frameIndex: latest.index,
      timestampUs: latest.timestampUs,
      width: latest.width,
      height: latest.height,
      format: 'gray8',
      encoding: 'deflate',
      data,
    });
  };

  const onMessage = (m: IpcMessage) => {
    // The supervisor routes by the contract; refusing anything not addressed to the core keeps a
    // routing bug from turning into a capability.
    if (!ROUTES[m.type].to.includes('core')) {
      log(`dropped ${m.type}: not addressed to the core`);
      return;
    }
    switch (m.type) {
      case 'ptz.command':
        void handlePtz(m.body).then((reply) => channel.send(reply));
        return;
      case 'snapshot.request':
        channel.send(snapshot(m.body.requestId));
        return;
      case 'supervisor.shutdown':
        void shutdown(m.body.reason);
        return;
      default:
        log(`dropped ${m.type}: no handler`);
    }
  };

  const channel = openParentChannel({
    onMessage,
    onInvalid: (error: IpcError) => {
      log(`dropped a message: ${error.code}: ${error.message}`);
    },
    onClose: () => void shutdown('IPC channel closed'),
  });

  channel.send(
    message('core.ready', {
      sensor: {
        name: sensor.name,
        interface: sensor.interface.name,
        interfaceVersion: sensor.interface.version,
        width: sensor.width,
        height: sensor.height,
        fps: sensor.fps,
      },
      frame: { width: geometry.width, height: geometry.height, format: 'gray8' },
      capabilities,
    }),
  );
  // The launcher stops each domain with SIGTERM (the relay's shutdown message may come first).
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void shutdown(`received ${signal}`));
  acquisition.start();
  log(`acquiring ${sensor.name} ${sensor.width}x${sensor.height}@${sensor.fps} (rendered ${geometry.width}x${geometry.height})`);

  const healthTimer = setInterval(() => {
    const now = uptimeMs();
    const memory = process.memoryUsage();
    channel.send(
      message(
        'health.report',
        monitor.report({
          uptimeMs: now,
          acquisition: acquisition.snapshot,
          droppedEncoderBusy,
          compression: compressor.snapshot,
          targetFps: sensor.fps,
          temperatureC: sensor.readTemperature(now),
          maxTemperatureC: sensor.maxTemperatureC,
          memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
          telemetry: readTelemetry(now),
          ...(drivers.housing === undefined ? {} : { alarmBelowKPa: drivers.housing.alarmBelowKPa }),
        }),
      ),
    );
  }, healthIntervalMs);
});
