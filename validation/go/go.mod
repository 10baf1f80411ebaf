module schedlab.dev/validation/go

go 1.19
