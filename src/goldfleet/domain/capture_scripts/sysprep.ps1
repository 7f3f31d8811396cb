# goldfleet: generalize the clone; the machine shuts down when sysprep is done
& "$env:SystemRoot\System32\Sysprep\sysprep.exe" /oobe /generalize /quiet /mode:vm /shutdown

