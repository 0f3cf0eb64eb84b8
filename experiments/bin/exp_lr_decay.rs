fn main() {
    nnlab_experiments::lr_decay::main();
}
