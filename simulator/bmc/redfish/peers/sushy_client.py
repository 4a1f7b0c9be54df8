"""Drives a simulated BMC with Debian's python3-sushy, the Redfish library Ironic uses.

Usage: sushy_client.py URL SYSTEM_ID USERNAME PASSWORD; prints one JSON document of what sushy saw.
"""
import json
import sys

import sushy


def main():
    url, system_id, username, password = sys.argv[1:5]
    # auth=None means sushy's default, SessionOrBasicAuth: what Ironic's "auto" does.
    root = sushy.Sushy(url + '/redfish/v1/', username=username, password=password, verify=False)
    out = {'members': sorted(root.get_system_collection().members_identities)}
    system = root.get_system(system_id)
    out['before'] = {
        'power': system.power_state.value,
        'uuid': system.uuid,
        'boot_target': system.boot.target.value if system.boot.target else None,
        'cpus': system.processors.summary.count,
        'memory_gib': system.memory_summary.size_gib,
        'allowed_resets': sorted(v.value for v in system.get_allowed_reset_system_values()),
    }
    system.set_system_boot_options(sushy.BOOT_SOURCE_TARGET_HDD, enabled=sushy.BOOT_SOURCE_ENABLED_CONTINUOUS,
                                   mode=sushy.BOOT_SOURCE_MODE_UEFI)
    system.set_system_boot_options(sushy.BOOT_SOURCE_TARGET_PXE, enabled=sushy.BOOT_SOURCE_ENABLED_ONCE)
    system.refresh()
    out['boot'] = {'target': system.boot.target.value, 'enabled': system.boot.enabled.value,
                   'mode': system.boot.mode.value}
    system.reset_system(sushy.RESET_ON)
    system.refresh()
    out['after_on'] = system.power_state.value
    manager = system.managers[0]
    cd = manager.virtual_media.get_member(manager.virtual_media.members_identities[0])
    cd.insert_media('http://192.0.2.1/ipa.iso')
    cd.refresh()
    out['media'] = {'image': cd.image, 'inserted': cd.inserted}
    cd.eject_media()
    cd.refresh()
    out['media_after_eject'] = cd.inserted
    bios = system.bios
    out['bios_mode'] = bios.attributes['BootMode']
    bios.set_attributes({'ProcVirtualization': 'Disabled'})
    bios.refresh()
    out['bios_pending'] = dict(bios.pending_attributes)
    system.reset_system(sushy.RESET_FORCE_OFF)
    system.refresh()
    out['after_off'] = system.power_state.value
    out['session'] = root._conn._auth.get_session_key() is not None if hasattr(root._conn._auth, 'get_session_key') else None
    print(json.dumps(out))


if __name__ == '__main__':
    main()
