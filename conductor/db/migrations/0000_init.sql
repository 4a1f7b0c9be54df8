CREATE TABLE `inventories` (
	`node_uuid` text PRIMARY KEY NOT NULL,
	`inventory` text NOT NULL,
	`plugin_data` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`node_uuid`) REFERENCES `nodes`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `node_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`node_uuid` text NOT NULL,
	`at` text NOT NULL,
	`type` text NOT NULL,
	`data` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `node_events_node_uuid_idx` ON `node_events` (`node_uuid`,`id`);--> statement-breakpoint
CREATE TABLE `nodes` (
	`uuid` text PRIMARY KEY NOT NULL,
	`name` text,
	`description` text,
	`driver` text NOT NULL,
	`driver_info` text NOT NULL,
	`provision_state` text NOT NULL,
	`target_provision_state` text,
	`power_state` text,
	`target_power_state` text,
	`maintenance` integer DEFAULT false NOT NULL,
	`maintenance_reason` text,
	`fault` text,
	`last_error` text,
	`properties` text NOT NULL,
	`instance_info` text NOT NULL,
	`driver_internal_info` text NOT NULL,
	`extra` text NOT NULL,
	`clean_step` text,
	`deploy_step` text,
	`automated_clean` integer,
	`created_at` text NOT NULL,
	`updated_at` text,
	`provision_updated_at` text,
	`inspection_started_at` text,
	`inspection_finished_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `nodes_name_unique` ON `nodes` (`name`);--> statement-breakpoint
CREATE INDEX `nodes_provision_state_idx` ON `nodes` (`provision_state`);--> statement-breakpoint
CREATE TABLE `ports` (
	`uuid` text PRIMARY KEY NOT NULL,
	`address` text NOT NULL,
	`node_uuid` text NOT NULL,
	`pxe_enabled` integer DEFAULT true NOT NULL,
	`extra` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text,
	FOREIGN KEY (`node_uuid`) REFERENCES `nodes`(`uuid`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ports_address_unique` ON `ports` (`address`);--> statement-breakpoint
CREATE INDEX `ports_node_uuid_idx` ON `ports` (`node_uuid`);