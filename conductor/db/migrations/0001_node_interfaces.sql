ALTER TABLE `nodes` ADD `boot_interface` text;--> statement-breakpoint
ALTER TABLE `nodes` ADD `power_interface` text;--> statement-breakpoint
ALTER TABLE `nodes` ADD `management_interface` text;