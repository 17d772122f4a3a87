export * from './access.ts';
export * from './alert-marks.ts';
export * from './alerts.ts';
export * from './brands.ts';
export * from './classifiers.ts';
export * from './mentions.ts';
export * from './profiles.ts';
export * from './sources.ts';
